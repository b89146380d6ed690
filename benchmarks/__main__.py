"""Run benchmark scenarios: `python -m benchmarks --db sqlite|postgres --scenarios … --json`."""

import argparse
import asyncio
import json
import os
import platform
import shutil
import tempfile
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from benchmarks import (
    bulk_create,
    claim_storm,
    coverage,
    create,
    desk,
    doses,
    export,
    imports,
    locate,
    map_clusters,
    nearby,
    slow_sms,
    sse,
)
from benchmarks.generate import generate
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.demo import load_packaged_boundaries
from jitasa.migrate import upgrade

SCENARIOS = {
    "locate": locate.run,
    "map": map_clusters.run,
    "nearby": nearby.run,
    "create": create.run,
    "bulk_create": bulk_create.run,
    "imports": imports.run,
    "doses": doses.run,
    "claim_storm": claim_storm.run,
    "sse": sse.run,
    "slow_sms": slow_sms.run,
    "export": export.run,
    "coverage": coverage.run,
    "desk": desk.run,
}
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/jitasa_bench"


@dataclass
class Context:
    """What every scenario gets: settings and sessions of a migrated database with boundaries."""

    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker
    rows: int


UNLIMITED = 10**9


def parse_arguments() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", help=f"PostgreSQL URL (default {POSTGRES_URL})")
    parser.add_argument(
        "--rows",
        type=int,
        default=0,
        help="help requests to generate first (0: use what the database holds)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, of: {', '.join(SCENARIOS)}",
    )
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        default=os.environ.get("JITASA_BENCH_SQLITE_FILE") or None,
        help="keep the SQLite database in this file (reused when --rows is 0); "
        "default: $JITASA_BENCH_SQLITE_FILE, else a temporary file",
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    return parser.parse_args()


async def ensure_postgres_database(url: str, *, fresh: bool) -> None:
    """Create the benchmark's PostgreSQL database when missing, or anew when `fresh`."""
    # Anew, it gets the schema of today's migrations, even of one edited in place.
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres").render_as_string(False)
    connection = await asyncpg.connect(server)
    try:
        if fresh:
            await connection.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", target.database
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await connection.close()


def benchmark_settings(data_dir: Path, database_url: str) -> Settings:
    """Return the settings every scenario runs under: the database, and no per-client limits.

    The benchmark is one address and few accounts (the sse scenario's crowd listens from one
    address), so the request and event-stream limits are lifted.
    """
    return Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url=database_url,
        log_level="WARNING",
        requests_per_account=UNLIMITED,
        requests_per_address=UNLIMITED,
        event_streams_per_client=UNLIMITED,
    )


@asynccontextmanager
async def prepared(settings: Settings, rows: int) -> AsyncIterator[Context]:
    """Migrate the settings' database and load the boundaries; yield the scenarios' context.

    `rows` is what the context reports; loading data (`generate`) is the caller's choice.
    """
    engine = create_engine(settings)
    try:
        await upgrade(engine)
        await load_packaged_boundaries(engine)
        yield Context(settings, engine, create_session_factory(engine), rows)
    finally:
        await engine.dispose()


async def run_scenario(name: str, context: Context, **parameters: object) -> dict:
    """Run one scenario of `SCENARIOS` with its keyword parameters; return its figures.

    A scenario that raises reports `{"error": "Type: message"}` (the traceback goes to
    stderr), so that the others' figures are not lost; `seconds` is its wall time.
    """
    started = time.perf_counter()
    try:
        result = await SCENARIOS[name](context, **parameters)
    except Exception as error:  # one broken scenario must not lose the others' figures
        traceback.print_exc()
        result = {"error": f"{type(error).__name__}: {error}"}
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


async def main(arguments: argparse.Namespace) -> dict:
    """Prepare the database, run the chosen scenarios, and return their figures."""
    names = [s.strip() for s in arguments.scenarios.split(",") if s.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario {unknown[0]!r}; choose from {', '.join(SCENARIOS)}")
    data_dir = Path(tempfile.mkdtemp(prefix="jitasa-bench-"))
    # A kept SQLite file (--sqlite-file, JITASA_BENCH_SQLITE_FILE) is reused by a later
    # `--rows 0` run, as the PostgreSQL database is: a million requests take minutes to make.
    sqlite_file = (arguments.sqlite_file or data_dir / "bench.db").resolve()
    url = (
        arguments.database_url or os.environ.get("JITASA_BENCH_DATABASE_URL", POSTGRES_URL)
        if arguments.db == "postgres"
        else f"sqlite:///{sqlite_file}"
    )
    if arguments.sqlite_file and arguments.rows > 0:
        arguments.sqlite_file.unlink(missing_ok=True)  # a fresh file, as PostgreSQL's fresh db
    if arguments.db == "postgres":
        await ensure_postgres_database(url, fresh=arguments.rows > 0)
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    try:
        async with prepared(benchmark_settings(data_dir, url), arguments.rows) as context:
            generated = (
                await generate(context.engine, arguments.rows) if arguments.rows > 0 else None
            )
            results = {name: await run_scenario(name, context) for name in names}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)  # a million-row SQLite file is gigabytes
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        },
        "db": arguments.db,
        "rows": arguments.rows,
        "generated": generated,
        "scenarios": results,
    }


if __name__ == "__main__":
    args = parse_arguments()
    result = asyncio.run(main(args))
    if not args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))
