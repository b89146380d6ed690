"""Scenario `doses`: a CSV of vaccine doses through `jitasa import`, against a bare insert.

The file is what a district health office exports (Thai headers; national ID written with dashes;
dose number; vaccine brand; BE date; place): `JITASA_BENCH_DOSES_ROWS` rows (default 1,000,000),
two doses per person, a few hundred distinct dates, eight vaccines, a hundred places. It is
imported with `run_import` (read, match columns, check every row, write all or nothing in batches
of 1,000); the floor is a bare Core insert of the same rows into the same table (read back from it
by 1,000, taken out and inserted again, one transaction per 1,000; only the inserts are timed) in
the same run. Peak memory is the process's resident set sampled every 50 ms during the import,
over what it held before.
"""

import csv
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from stdnum.th import pin

from benchmarks.bulk_create import _requester
from benchmarks.imports import PeakMemory
from jitasa.imports.service import Options, run_import
from jitasa.vaccination.models import Dose

ROWS = int(os.environ.get("JITASA_BENCH_DOSES_ROWS", "1000000"))
HEADER = ["เลขประจำตัวประชาชน", "เข็มที่", "วัคซีน", "วันที่ฉีด", "สถานที่ฉีด"]
VACCINES = ("Sinovac", "AstraZeneca", "Pfizer", "Moderna", "Sinopharm", "J&J", "Novavax", "Covovax")
FLOOR_BATCH = 1000


def national_id(person: int) -> str:
    """Return a valid national ID for a person's number, written with dashes."""
    digits = f"{1 + person % 8}{person:011d}"
    digits += pin.calc_check_digit(digits)
    return f"{digits[0]}-{digits[1:5]}-{digits[5:10]}-{digits[10:12]}-{digits[12]}"


def write_doses(path: Path, rows: int) -> None:
    """Write `rows` doses, two per person, dose 2 about four weeks after dose 1 (BE dates)."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n in range(rows):
            person, number = divmod(n, 2)
            day = person % 150 + 28 * number  # 1 June 2564 onwards
            month, day_of_month = divmod(day, 30)
            writer.writerow(
                [
                    national_id(person),
                    number + 1,
                    VACCINES[person % len(VACCINES)],
                    f"{day_of_month + 1:02d}/{month + 6:02d}/2564",
                    f"รพ.สต. บ้านที่ {person % 100 + 1}",
                ]
            )


async def bare_floor(context, first_id: int) -> tuple[float, int]:
    """Insert the imported rows again, 1,000 per transaction; return (rows per second, rows)."""
    table = Dose.__table__
    seconds, rows, after = 0.0, 0, first_id
    while True:
        async with context.engine.begin() as connection:
            batch = [
                dict(r._mapping)
                for r in await connection.execute(
                    select(table).where(table.c.id > after).order_by(table.c.id).limit(FLOOR_BATCH)
                )
            ]
            if not batch:
                break
            after = batch[-1]["id"]
            await connection.execute(delete(table).where(table.c.id.in_([r["id"] for r in batch])))
        started = time.perf_counter()
        async with context.engine.begin() as connection:
            await connection.execute(insert(table), batch)
        seconds += time.perf_counter() - started
        rows += len(batch)
    return rows / seconds, rows


async def run(context, *, rows: int = ROWS) -> dict:
    """Import `rows` doses from a CSV; time it against a bare insert of the same rows."""
    actor = await _requester(context)
    async with context.session_factory() as session:
        first_id = await session.scalar(select(func.coalesce(func.max(Dose.id), 0)))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "doses.csv"
        write_doses(path, rows)
        size_mb = path.stat().st_size / 2**20
        with PeakMemory() as memory:
            started = time.perf_counter()
            report = await run_import(
                context.session_factory,
                path,
                options=Options("vaccination_doses"),
                actor=actor,
            )
            seconds = time.perf_counter() - started
    per_second = report.created / seconds
    floor, copied = await bare_floor(context, first_id)
    return {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "created": report.created,
        "refused": report.rows_failed,
        "warnings": len(report.warnings),
        "import_seconds": round(seconds, 2),
        "import_per_second": round(per_second, 1),
        "floor_rows": copied,
        "floor_bare_insert_by_batch_per_second": round(floor, 1),
        "import_share_of_floor": round(per_second / floor, 3),
        "target_share": 0.4,
        "peak_memory_mb_over_start": round(memory.peak_mb, 1),
        "target_peak_memory_mb": 250,
    }
