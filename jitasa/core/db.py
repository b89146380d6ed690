"""Database: engine, session factory, declarative Base and the request-scoped session."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

from jitasa.core.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; constraint names follow one convention on every database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Convert an aware datetime to UTC before storing it."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Attach UTC to timestamps read back without a zone."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


def _tune_sqlite(dbapi_connection, _record) -> None:
    """Give every SQLite connection WAL, foreign keys and a busy timeout; we emit BEGIN."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_sqlite(connection) -> None:
    """Begin a SQLite transaction; writers take the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    another writer committed in between; an immediate one waits its turn instead.
    """
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode != "AUTOCOMMIT":
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the async engine for the configured database."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(settings.sqlalchemy_url)
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        event.listen(engine.sync_engine, "begin", _begin_sqlite)
        return engine
    return create_async_engine(settings.sqlalchemy_url, pool_size=10, max_overflow=20)


SQLITE_BEGIN = {"write": "IMMEDIATE", "read": "DEFERRED", "autocommit": "AUTOCOMMIT"}


def create_session_factory(
    engine: AsyncEngine, *, mode: str = "write"
) -> async_sessionmaker[AsyncSession]:
    """Create a session factory: `write` (the default) locks SQLite up front, `read` never
    writes, `autocommit` runs each statement on its own (for tests' checks)."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin=SQLITE_BEGIN[mode])
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Run one unit of work in a session: commit when it ends well, roll back otherwise."""
    async with factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Open one session per HTTP request and commit it once, before the response is sent."""
    async with transaction(request.app.state.session_factory) as session:
        yield session


async def read_request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Open a session for a request that only reads, so readers never wait for writers."""
    async with transaction(request.app.state.read_session_factory) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(read_request_session, scope="function")]
