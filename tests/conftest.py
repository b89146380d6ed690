"""Fixtures: the real application on SQLite by default, PostgreSQL with JITASA_TEST_DATABASE_URL."""

import itertools
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis.asyncio as redis
from sqlalchemy import delete, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from jitasa.areas import service as areas_service
from jitasa.areas.boundaries import read_boundary_file
from jitasa.core.config import Settings
from jitasa.core.db import Base, create_engine, create_session_factory
from jitasa.demo import PACKAGED_BOUNDARIES
from jitasa.incidents.service import DEFAULT_INCIDENT_CODE
from jitasa.main import create_app
from jitasa.map import cache as map_cache
from jitasa.migrate import upgrade

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("JITASA_SHARED_DATA", REPO.parent / "shared" / "data"))
BOUNDARY_FILES = [SHARED_DATA / "boundaries" / n for n in ("th_adm1.geojson", "th_adm2.geojson")]
# Reference data made by `db upgrade` stays; everything else is removed after each test.
KEPT_TABLES = {
    "areas",
    "incident_categories",
    "facility_types",
}  # categories of removed incidents cascade


def boundary_files() -> list[Path]:
    """Return the boundary files of ../shared/data, or the copies packaged with Jitasa."""
    return BOUNDARY_FILES if all(p.exists() for p in BOUNDARY_FILES) else PACKAGED_BOUNDARIES


async def _create_postgres_database(server_url: str) -> tuple[str, str]:
    """Create a database of this run's own on the test server; return (url, name)."""
    url = make_url(server_url)
    name = f"jitasa_test_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(url.set(drivername="postgresql").render_as_string(False))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(False), name


async def _drop_postgres_database(server_url: str, name: str) -> None:
    """Drop this run's database."""
    url = make_url(server_url).set(drivername="postgresql").render_as_string(False)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def settings(tmp_path_factory) -> AsyncIterator[Settings]:
    """Settings of the test run, on a fresh database (SQLite file, or PostgreSQL database)."""
    data_dir = tmp_path_factory.mktemp("jitasa-data")
    server_url = os.environ.get("JITASA_TEST_DATABASE_URL")
    database_name = None
    if server_url:
        database_url, database_name = await _create_postgres_database(server_url)
    else:
        database_url = f"sqlite:///{data_dir / 'test.db'}"
    yield Settings(
        _env_file=None,
        data_dir=data_dir,
        database_url=database_url,
        redis_url=os.environ.get("JITASA_TEST_REDIS_URL"),
        redis_prefix=f"jitasa-test-{uuid.uuid4().hex[:10]}:",  # runs sharing a Redis stay apart
        tile_url="/static/img/blank-tile.png",
        boundary_refresh_seconds=0,
        jobs_interval_seconds=0,  # jobs run when a test says so, never behind its back
        dispatch_events=False,  # likewise events: only the served apps that need them publish
        log_json=True,
    )
    if database_name:
        await _drop_postgres_database(server_url, database_name)


@asynccontextmanager
async def fresh_database(directory: Path) -> AsyncIterator[str]:
    """Yield the URL of an empty database of the caller's own, on the run's kind of server:
    a SQLite file in `directory`, or a PostgreSQL database dropped afterwards."""
    server_url = os.environ.get("JITASA_TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{directory / 'fresh.db'}"
        return
    url, name = await _create_postgres_database(server_url)
    try:
        yield url
    finally:
        await _drop_postgres_database(server_url, name)


@pytest.fixture
async def fresh_database_url(tmp_path) -> AsyncIterator[str]:
    """An empty database of a test's own, on the same kind of server as the run."""
    async with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    """The migrated test database with Thailand's areas and province/district boundaries."""
    engine = create_engine(settings)
    await upgrade(engine)
    async with create_session_factory(engine)() as session:
        codes = await areas_service.known_codes(session)
        for path in boundary_files():
            await areas_service.load_boundaries(session, boundaries=read_boundary_file(path, codes))
        await session.commit()
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def app(settings: Settings, engine: AsyncEngine):
    """The real application, built by create_app()."""
    application = create_app(settings)
    yield application
    await application.state.throttle.aclose()  # what the lifespan would close
    await application.state.message_sender.aclose()
    await application.state.engine.dispose()


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the application in-process."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session for a test's setup and checks; on SQLite each statement commits by itself."""
    async with create_session_factory(engine, mode="autocommit")() as session:
        yield session


@pytest.fixture(autouse=True)
async def _empty_tables_after_test(request) -> AsyncIterator[None]:
    """Leave no rows behind but the reference data, so tests do not see each other's."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("engine")
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "incidents":
                await connection.execute(delete(table).where(table.c.code != DEFAULT_INCIDENT_CODE))
                # A test may have closed COVID-19 or moved the default: give both back.
                await connection.execute(
                    update(table).values(
                        active=True, is_default=True, closed_at=None, archived_at=None
                    )
                )
            elif table.name not in KEPT_TABLES:
                await connection.execute(delete(table))
    map_cache.forget_all()  # the rows went behind the sessions' back


_THROTTLE_DAYS = itertools.count(1)
DAY_SECONDS = 24 * 3600


@pytest.fixture(autouse=True)
def _throttle_clock_stands_still(request) -> None:
    """Stop the app's rate-limit clock for each test, at the start of a day of its own.

    Windows are fixed (ten minutes from the epoch, or a code's life from its creation): on the
    real clock, a test running across a window's end saw its counts start again and failed
    once in a few hundred runs. Tests of windows that end use a throttle and clock of their own
    (tests/accounts/test_throttle.py).
    """
    if "app" not in request.fixturenames:
        return
    throttle = request.getfixturevalue("app").state.throttle
    now = (int(time.time()) // DAY_SECONDS + next(_THROTTLE_DAYS)) * DAY_SECONDS + 1.0
    throttle.clock = lambda: now


@pytest.fixture(autouse=True)
async def _forget_redis_counters_after_test(request) -> AsyncIterator[None]:
    """Delete this run's rate-limit counters in Redis after each test, as the tables are emptied."""
    yield
    if "settings" not in request.fixturenames:
        return
    settings: Settings = request.getfixturevalue("settings")
    if not settings.redis_url:
        return
    client = redis.from_url(settings.redis_url)
    try:
        pattern = f"{settings.redis_prefix}throttle:*"
        names = [name async for name in client.scan_iter(match=pattern, count=500)]
        if names:
            await client.delete(*names)
    finally:
        await client.aclose()
