"""Run benchmark scenarios: `python -m benchmarks --db sqlite|postgres --scenarios … --json`."""

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker

from benchmarks import locate
from jitasa.config import Settings
from jitasa.db import create_engine, create_session_factory
from jitasa.demo import load_packaged_boundaries
from jitasa.migrate import upgrade

SCENARIOS = {"locate": locate.run}
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/jitasa_bench"


@dataclass
class Context:
    """What every scenario gets: settings and sessions of a migrated database with boundaries."""

    settings: Settings
    session_factory: async_sessionmaker
    rows: int


def parse_arguments() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--database-url", help=f"PostgreSQL URL (default {POSTGRES_URL})")
    parser.add_argument("--rows", type=int, default=0, help="help requests to generate")
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"comma-separated, of: {', '.join(SCENARIOS)}",
    )
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    return parser.parse_args()


async def ensure_postgres_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when the server does not have it yet."""
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres").render_as_string(False)
    connection = await asyncpg.connect(server)
    try:
        exists = await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", target.database
        )
        if not exists:
            await connection.execute(f'CREATE DATABASE "{target.database}"')
    finally:
        await connection.close()


async def main(arguments: argparse.Namespace) -> dict:
    """Prepare the database, run the chosen scenarios, and return their figures."""
    data_dir = Path(tempfile.mkdtemp(prefix="jitasa-bench-"))
    url = (
        arguments.database_url or os.environ.get("JITASA_BENCH_DATABASE_URL", POSTGRES_URL)
        if arguments.db == "postgres"
        else f"sqlite:///{data_dir / 'bench.db'}"
    )
    if arguments.db == "postgres":
        await ensure_postgres_database(url)
    settings = Settings(_env_file=None, data_dir=data_dir, database_url=url, log_level="WARNING")
    engine = create_engine(settings)
    await upgrade(engine)
    await load_packaged_boundaries(engine)
    context = Context(settings, create_session_factory(engine), arguments.rows)
    results = {}
    for name in [s.strip() for s in arguments.scenarios.split(",") if s.strip()]:
        if name not in SCENARIOS:
            raise SystemExit(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
        started = time.perf_counter()
        results[name] = await SCENARIOS[name](context)
        results[name]["seconds"] = round(time.perf_counter() - started, 2)
    await engine.dispose()
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "db": arguments.db,
        "rows": arguments.rows,
        "scenarios": results,
    }


if __name__ == "__main__":
    args = parse_arguments()
    result = asyncio.run(main(args))
    if not args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, ensure_ascii=False))
