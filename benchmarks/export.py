"""Scenario `export`: every request streamed from a real server, beside a bare SELECT of them.

A `jitasa serve` process answers `GET /api/v1/exports/{dataset}.{format}` for an admin (the
whole country); the benchmark reads the answer as it comes and notes when the first byte and the
first data row arrive, the rows and bytes, and the server's peak memory during the export (its
high-water mark, reset before each export through /proc/PID/clear_refs). The floor is a bare
SELECT of the same rows and columns, streamed in this process with the same batch size: what
reading them costs before anything is written.
"""

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
from sqlalchemy import func, select

from benchmarks import servers
from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role
from jitasa.exports.datasets import DATASETS, Filters
from jitasa.exports.service import BATCH_ROWS
from jitasa.help_requests.models import HelpRequest

# What is exported: dataset.format pairs; XLSX of a million rows takes minutes, so it is asked
# for by name (`JITASA_BENCH_EXPORTS=requests.csv,requests.xlsx`).
_ASKED = os.environ.get("JITASA_BENCH_EXPORTS", "requests.csv,public-requests.geojson")
EXPORTS = tuple(path.strip() for path in _ASKED.split(",") if path.strip())


def _memory_kb(pid: int, field: str) -> int:
    """Return a process's VmRSS or VmHWM (peak resident memory) in kB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def _reset_peak(pid: int) -> bool:
    """Reset the process's peak memory to its current size (Linux ≥ 4.0); tell whether it did."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def _admin_token(context) -> str:
    """Create an admin with an API token; return the token."""
    async with context.session_factory() as session:
        admin = await accounts_service.save_user(
            session, phone="+66890000999", roles={Role.ADMIN}, display_name="export benchmark"
        )
        _token, plaintext = await accounts_service.create_token(session, user=admin, name="bench")
        await session.commit()
        return plaintext


async def _floor(context, dataset_name: str) -> dict:
    """Stream the dataset's SELECT bare (no cleaning, no writing): first row and total time."""
    statement = DATASETS[dataset_name].statement(Filters())
    started = time.perf_counter()
    first = None
    rows = 0
    async with context.engine.connect() as connection:
        result = await connection.stream(statement.execution_options(yield_per=BATCH_ROWS))
        async for partition in result.partitions(BATCH_ROWS):
            if first is None:
                first = time.perf_counter() - started
            rows += len(partition)
    total = time.perf_counter() - started
    return {
        "rows": rows,
        "first_row_ms": round((first or total) * 1000, 1),
        "seconds": round(total, 2),
        "rows_per_second": round(rows / total, 1),
    }


async def _export(client: httpx.AsyncClient, base: str, pid: int, path: str, token: str) -> dict:
    """Stream one export from the server; return its timings, size and the server's peak."""
    reset = _reset_peak(pid)
    rss_before = _memory_kb(pid, "VmRSS")
    started = time.perf_counter()
    first_byte = first_row = None
    lines = size = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with client.stream("GET", f"{base}/api/v1/exports/{path}", headers=headers) as answer:
        answer.raise_for_status()
        async for chunk in answer.aiter_raw():
            now = time.perf_counter() - started
            if first_byte is None:
                first_byte = now
            size += len(chunk)
            lines += chunk.count(b'"Feature"' if path.endswith(".geojson") else b"\n")
            # The header is one line; a CSV's first data row ends the second, a GeoJSON's first
            # feature is its first "Feature", an XLSX has no rows until its end.
            if first_row is None and (lines >= 2 or (path.endswith(".geojson") and lines >= 1)):
                first_row = now
    total = time.perf_counter() - started
    peak_kb = _memory_kb(pid, "VmHWM")
    return {
        "first_byte_ms": round((first_byte or total) * 1000, 1),
        "first_row_ms": round((first_row or total) * 1000, 1),
        "seconds": round(total, 2),
        "megabytes": round(size / 1e6, 1),
        "server_rss_before_mb": round(rss_before / 1024, 1),
        "server_peak_mb": round(peak_kb / 1024, 1) if reset else None,
        "server_peak_growth_mb": round((peak_kb - rss_before) / 1024, 1) if reset else None,
    }


async def run(context, *, exports: Sequence[str] = EXPORTS) -> dict:
    """Export each of `exports` (`dataset.format` paths) from a fresh server, and stream the
    bare SELECT floors."""
    async with context.session_factory() as session:
        total = await session.scalar(select(func.count()).select_from(HelpRequest))
    token = await _admin_token(context)
    results: dict[str, dict] = {"requests_in_table": total, "batch_rows": BATCH_ROWS}
    for path in exports:
        dataset = path.rsplit(".", 1)[0]
        async with servers.serving(context.settings, 1) as running:
            ((base, pid),) = running
            async with httpx.AsyncClient(timeout=None) as client:
                figures = await _export(client, base, pid, path, token)
        figures["floor_bare_select"] = await _floor(context, dataset)
        floor_seconds = figures["floor_bare_select"]["seconds"]
        figures["export_over_floor_time"] = round(figures["seconds"] / floor_seconds, 2)
        results[path] = figures
        print(json.dumps({path: figures}), file=sys.stderr, flush=True)  # each as it comes
    results["target"] = "streams from the first row; server memory ≤ 150 MB"
    return results
