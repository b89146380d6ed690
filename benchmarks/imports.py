"""Scenario `imports`: a hotline CSV of requests through `jitasa import`'s path, against the floor.

The rows of `bulk_create` (population-weighted pins, the incident's categories) are written to a
CSV the way a hotline sheet is (Thai headers, Thai category names, Thai triage colours, BE
date-times), then imported with `run_import` (read, match columns, check every row with the
API's schema, write all or nothing, keep the row keys); the floor is a bare Core insert of the
same rows into the same table, by batch, in the same run. Peak memory is the process's resident
set sampled every 50 ms during the import, over what it held before.
"""

import csv
import os
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import delete, insert, select

from benchmarks.bulk_create import _requester
from benchmarks.create import bodies, copies_of
from jitasa.help_requests.models import HelpRequest
from jitasa.imports.service import Options, run_import
from jitasa.incidents import service as incidents_service
from jitasa.volunteers.models import Volunteer

ROWS = int(os.environ.get("JITASA_BENCH_IMPORT_ROWS", "100000"))
KIND = os.environ.get("JITASA_BENCH_IMPORT_KIND", "requests")  # or volunteers
COLOURS = {"red": "แดง", "yellow": "เหลือง", "green": "เขียว", "urgent": "ด่วน", "normal": "ปกติ"}
ROSTER_HEADER = ["ชื่อ-สกุล", "เบอร์โทร", "ประเภท", "ละติจูด", "ลองจิจูด", "มีรถ"]
HEADER = ["วันที่รับแจ้ง", "ความต้องการ", "ระดับอาการ", "ละติจูด", "ลองจิจูด", "จำนวนคน",
          "เบอร์ติดต่อ", "รายละเอียด"]  # fmt: skip


FLOOR_CODE = "BI-"  # the floor's copies take codes of their own (bulk_create's are "BB-")


async def bare_floor(context, ids: list[int]) -> float:
    """Insert the imported rows again with bare Core inserts, by batch; return rows per second."""
    table = HelpRequest.__table__
    rows = await copies_of(context, ids, prefix=FLOOR_CODE)
    started = time.perf_counter()
    for first in range(0, len(rows), 1000):
        async with context.engine.begin() as connection:
            await connection.execute(insert(table), rows[first : first + 1000])
    return len(rows) / (time.perf_counter() - started)


def rss_mb() -> float:
    """Return the process's resident set in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PeakMemory:
    """Sample the resident set in a thread while a block runs; `peak_mb` is over the start."""

    def __enter__(self) -> "PeakMemory":
        self.start, self.peak, self.running = rss_mb(), rss_mb(), True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.05)

    def __exit__(self, *_exc) -> None:
        self.running = False
        self.thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak - self.start


async def write_roster(context, path: Path, rows: int, seed: int) -> None:
    """Write the benchmark's pins as a roster of อสม. (one phone each, Thai kind and vehicle)."""
    posts = await bodies(context, rows, seed)
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(ROSTER_HEADER)
        for n, post in enumerate(posts):
            name = f"อาสา {n:07d}"
            vehicle = ("มี", "ไม่มี", "มอเตอร์ไซค์")[n % 3]
            writer.writerow([name, f"08{n:08d}", "อสม.", post["lat"], post["lon"], vehicle])
    del posts


async def bare_floor_volunteers(context, ids: list[int]) -> float:
    """Take the imported volunteer rows out and insert them again by batch; return rows/s."""
    table = Volunteer.__table__
    async with context.session_factory() as session:
        rows = [
            dict(r._mapping)
            for r in await session.execute(select(table).where(table.c.id.in_(ids)))
        ]
    async with context.engine.begin() as connection:
        for first in range(0, len(ids), 10000):
            await connection.execute(
                delete(table).where(table.c.id.in_(ids[first : first + 10000]))
            )
    started = time.perf_counter()
    for first in range(0, len(rows), 1000):
        async with context.engine.begin() as connection:
            await connection.execute(insert(table), rows[first : first + 1000])
    return len(rows) / (time.perf_counter() - started)


async def write_csv(context, path: Path, rows: int, seed: int) -> None:
    """Write the benchmark rows as a hotline sheet."""
    posts = await bodies(context, rows, seed)
    async with context.session_factory() as session:
        incident = await incidents_service.default_incident(session)
    names = {c.code: c.name_th for c in incident.categories}
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        for n, post in enumerate(posts):
            writer.writerow(
                [
                    f"{1 + n % 28:02d}/08/2564 {8 + n % 12:02d}:{n % 60:02d}",
                    names[post["category"]],
                    COLOURS[post["urgency"]],
                    post["lat"],
                    post["lon"],
                    post["people_count"],
                    f"08{n:08d}",
                    post["description"],
                ]
            )
    del posts


async def run(context, *, rows: int = ROWS, seed: int = 17, kind: str = KIND) -> dict:
    """Import `rows` rows of `kind` from a CSV; time it against a bare insert of the same rows."""
    requester = await _requester(context)
    model, write, floor_of = {
        "requests": (HelpRequest, write_csv, bare_floor),
        "volunteers": (Volunteer, write_roster, bare_floor_volunteers),
    }[kind]
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"{kind}.csv"
        await write(context, path, rows, seed)
        size_mb = path.stat().st_size / 2**20
        async with context.session_factory() as session:
            before = await session.scalar(select(model.id).order_by(model.id.desc()))
        with PeakMemory() as memory:
            started = time.perf_counter()
            report = await run_import(
                context.session_factory,
                path,
                options=Options(kind),
                actor=requester,
            )
            seconds = time.perf_counter() - started
    async with context.session_factory() as session:
        ids = list(await session.scalars(select(model.id).where(model.id > (before or 0))))
    per_second = report.created / seconds
    floor = await floor_of(context, ids)
    return {
        "kind": kind,
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "created": report.created,
        "refused": report.rows_failed,
        "import_seconds": round(seconds, 2),
        "import_per_second": round(per_second, 1),
        "floor_bare_insert_by_batch_per_second": round(floor, 1),
        "import_share_of_floor": round(per_second / floor, 3),
        "target_share": 0.4,
        "peak_memory_mb_over_start": round(memory.peak_mb, 1),
        "target_peak_memory_mb": 250,
    }
