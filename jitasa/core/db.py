"""Database: engine, session factories, declarative Base and the request's read or write session."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from sqlalchemy import ColumnElement, DateTime, Integer, MetaData, cast, event, func
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session
from sqlalchemy.types import TypeDecorator

from jitasa.core.config import Settings
from jitasa.core.sqlite_driver import OneTripDBAPI

T = TypeVar("T")

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


def change_marks(updated_at: ColumnElement, dialect: str) -> list[ColumnElement]:
    """Return aggregates over a `UTCDateTime` column that move whenever a row is added,
    removed or given a new time: the row count, the newest time, and the sum of the times
    (exact to the microsecond; on SQLite whole seconds and microseconds summed apart, as
    microseconds since 1970 would overflow its integers). Select them as a cache's stamp.

    Count and newest alone miss a change committed after a newer one (its time was taken
    before the other's, its commit came after): its rows' times are older than the newest,
    but they still move the sum.
    """
    if dialect == "postgresql":
        return [func.count(), func.max(updated_at), func.sum(func.extract("epoch", updated_at))]
    return [  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff"
        func.count(),
        func.max(updated_at),
        func.sum(cast(func.strftime("%s", updated_at), Integer)),
        func.sum(cast(func.substr(updated_at, 21, 6), Integer)),
    ]


def _sqlite_tuning(synchronous: str):
    """Return the connect hook giving every SQLite connection WAL, foreign keys, a busy timeout
    and the durability asked for; we emit BEGIN.

    `FULL` (the default) syncs the log at every commit, so a 201 survives a power cut; `NORMAL`
    loses nothing when the process is killed but may lose the last commits to a power cut.
    """

    def tune(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return tune


def _begin_sqlite(connection) -> None:
    """Begin a SQLite transaction; writers take the write lock up front (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    another writer committed in between (the busy timeout does not apply); an immediate one
    waits its turn instead. So every connection that does not say it only reads
    (`sqlite_begin="DEFERRED"`, as read sessions do) is a writer: `engine.begin()` for
    migrations, DDL or a bulk load included.
    """
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    if mode != "AUTOCOMMIT":
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_engine(settings: Settings) -> AsyncEngine:
    """Create the async engine for the configured database."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # One trip to aiosqlite's thread per statement (`core.sqlite_driver`), not four.
        engine = create_async_engine(settings.sqlalchemy_url, module=OneTripDBAPI())
        event.listen(
            engine.sync_engine, "connect", _sqlite_tuning(settings.sqlite_synchronous.upper())
        )
        event.listen(engine.sync_engine, "begin", _begin_sqlite)
        return engine
    return create_async_engine(settings.sqlalchemy_url, pool_size=10, max_overflow=20)


SQLITE_BEGIN = {"write": "IMMEDIATE", "read": "DEFERRED", "autocommit": "AUTOCOMMIT"}
MODE = "jitasa.mode"
REQUEST_SCOPE = "jitasa.request_scope"  # lets a read session leave writes for after the response


def create_session_factory(
    engine: AsyncEngine, *, mode: str = "write"
) -> async_sessionmaker[AsyncSession]:
    """Create a session factory: `write` (the default) locks SQLite up front, `read` refuses
    to write, `autocommit` runs each statement on its own (for tests' checks)."""
    if engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin=SQLITE_BEGIN[mode])
    return async_sessionmaker(engine, expire_on_commit=False, info={MODE: mode})


def is_read_only(session: AsyncSession | Session) -> bool:
    """Tell whether a session was opened only to read."""
    return session.info.get(MODE) == "read"


class ReadSessionWrites(RuntimeError):
    """A read session was asked to write: the route should declare `WriteSessionDep`."""

    def __init__(self) -> None:
        super().__init__(
            "A read session does not write: declare WriteSessionDep on a mutating route, or "
            "leave the write for after the response with jitasa.core.deferred.write()."
        )


@event.listens_for(Session, "before_flush")
def _refuse_flushing_changes(session: Session, _context, _instances) -> None:
    """Stop a read session from writing changed objects (it holds no write lock)."""
    if is_read_only(session) and (
        session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    ):
        raise ReadSessionWrites


@event.listens_for(Session, "do_orm_execute")
def _refuse_statements_that_write(state: ORMExecuteState) -> None:
    """Stop a read session from running INSERT, UPDATE or DELETE statements."""
    if is_read_only(state.session) and (state.is_insert or state.is_update or state.is_delete):
        raise ReadSessionWrites


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


async def stop_between_units(work: Awaitable[T], stopping: asyncio.Event) -> T:
    """Await `work` (a background loop's unit: a pass of jobs, a dispatch) to its end, even when
    the caller is cancelled meanwhile; then re-raise the cancellation.

    A task cancelled in the middle of a statement can leave its SQLite connection unreturned
    and holding the write lock until the garbage collector finds it, so that every other writer
    times out with "database is locked". Loops that write are therefore stopped between units,
    never inside one: on cancellation `stopping` is set, `work` is expected to watch it and end
    at its next safe point (between jobs, between batches), and the cancellation is raised once
    it has.
    """
    task = asyncio.ensure_future(work)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            result = await asyncio.shield(task)
        except asyncio.CancelledError as error:
            if task.done():
                raise
            stopping.set()
            cancelled = error
        else:
            break
    if cancelled is not None:
        raise cancelled
    return result


async def request_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Open the request's one session, committed before the response is sent: a write session
    when its route declares `WriteSessionDep`, otherwise a read session that never waits for
    writers."""
    state = request.app.state
    factory = state.session_factory if _route_writes(request) else state.read_session_factory
    async with transaction(factory) as session:
        session.info[REQUEST_SCOPE] = request.scope
        yield session


# Reads are the default: a route or dependency that reads takes `SessionDep`; a route that
# changes anything declares `WriteSessionDep`, and every dependency of it then shares the one
# write transaction. A route that must do slow work (a password hash, a network call) between
# reading and writing reads with `SessionDep` and writes in a short `WriterDep` transaction.
SessionDep = Annotated[AsyncSession, Depends(request_session, scope="function")]


async def write_request_session(session: SessionDep) -> AsyncSession:
    """Give a mutating route the request's session, opened for writing."""
    return session


WriteSessionDep = Annotated[AsyncSession, Depends(write_request_session)]


def _route_writes(request: Request) -> bool:
    """Tell whether the request's route, or any dependency of it, declares `WriteSessionDep`."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    return dependant is not None and asks_to_write(dependant)


def asks_to_write(dependant: Dependant) -> bool:
    """Tell whether a route or dependency asks, however deep, for the write session."""
    return dependant.call is write_request_session or any(
        asks_to_write(d) for d in dependant.dependencies
    )


def request_writer(request: Request) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    """Give a route short write transactions of its own, to open once slow work is done."""
    return partial(transaction, request.app.state.session_factory)


WriterDep = Annotated[
    Callable[[], AbstractAsyncContextManager[AsyncSession]], Depends(request_writer)
]
