"""A durable job queue in the database, on SQLite and PostgreSQL alike.

A job is a row of `jobs`: its kind, a JSON payload and a state (queued, running, done, failed,
cancelled). Handlers are registered by kind (`handles`) by the modules that own them; the kernel
imports none. A worker claims the oldest due job (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on
SQLite the write transaction is the lock), holds a lease it renews while the handler runs, and
records the outcome. A job whose worker died is claimed again once its lease has run out. A
failed attempt is queued again after an exponential backoff, until `max_attempts`.
"""

import asyncio
import os
import socket
import traceback
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

import structlog
from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, create_session_factory, transaction, utcnow

LEASE_SECONDS = 60.0
BACKOFF_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 3600.0
log = structlog.get_logger(__name__)


class JobState(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(Base):
    """One unit of background work and its state."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "state", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default=JobState.QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(String(100))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set while queued or running: at most one such job per key (a sweep's single instance).
    unique_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    result: Mapped[dict | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobCancelled(Exception):
    """Raised inside a handler that checks in after its job was cancelled."""


class WorkerStopping(Exception):
    """Raised inside a handler that checks in while its worker stops: the job is queued again."""


@dataclass
class JobContext:
    """What a handler gets: its job's payload, the database, and a way to report progress."""

    job_id: int
    kind: str
    payload: dict
    attempt: int
    now: datetime
    session_factory: async_sessionmaker[AsyncSession]
    settings: object = None
    stopping: asyncio.Event | None = None  # set when the worker running the job stops

    async def progress(self, fraction: float) -> None:
        """Record how far the job is (0 to 1); raise JobCancelled if it was cancelled meanwhile."""
        async with transaction(self.session_factory) as session:
            await session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(progress=min(max(fraction, 0.0), 1.0), updated_at=utcnow())
            )
        await self.check_cancelled()

    async def check_cancelled(self) -> None:
        """Raise JobCancelled when someone cancelled this job while it ran, WorkerStopping
        when its worker is stopping (a long handler's safe point to end at)."""
        if self.stopping is not None and self.stopping.is_set():
            raise WorkerStopping
        async with reader_of(self.session_factory)() as session:
            if await session.scalar(select(Job.cancel_requested).where(Job.id == self.job_id)):
                raise JobCancelled


@lru_cache(maxsize=16)  # made once per factory, not on every idle poll of the worker
def reader_of(
    session_factory: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    """Return a read-only factory on the same engine: a look that never takes SQLite's lock."""
    return create_session_factory(session_factory.kw["bind"], mode="read")


Handler = Callable[[JobContext], Awaitable[dict | None]]
_handlers: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine as the handler of `kind` jobs."""

    def register(handler: Handler) -> Handler:
        _handlers[kind] = handler
        return handler

    return register


def handler_of(kind: str) -> Handler | None:
    """Return the handler registered for `kind`, if any."""
    return _handlers.get(kind)


def backoff(attempts: int) -> timedelta:
    """Return how long a job waits after its `attempts`-th failure: doubling, capped."""
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS))


def worker_name() -> str:
    """Return a name for this process's worker: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict | None = None,
    *,
    max_attempts: int = 5,
    run_after: datetime | None = None,
    unique_key: str | None = None,
) -> int:
    """Queue a job in the session's transaction; return its id (the waiting one's, by key)."""
    now = utcnow()
    values = dict(
        kind=kind,
        payload=payload or {},
        state=JobState.QUEUED,
        progress=0.0,
        attempts=0,
        max_attempts=max_attempts,
        run_after=run_after or now,
        cancel_requested=False,
        unique_key=unique_key,
        created_at=now,
        updated_at=now,
    )
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(Job).values(**values).returning(Job.id)
    if unique_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=["unique_key"])
    job_id = await session.scalar(statement)
    if job_id is None:
        job_id = await session.scalar(select(Job.id).where(Job.unique_key == unique_key))
    return job_id


async def newest(session: AsyncSession, *, state: JobState | None, limit: int) -> list[Job]:
    """Return the newest `limit` jobs, in one state or in any."""
    statement = select(Job).order_by(Job.id.desc()).limit(limit)
    if state is not None:
        statement = statement.where(Job.state == state)
    return list(await session.scalars(statement))


async def get(session: AsyncSession, job_id: int) -> Job | None:
    """Return one job by its id, or None."""
    return await session.get(Job, job_id)


async def cancel(session: AsyncSession, job_id: int) -> Job | None:
    """Cancel a queued job at once; ask a running one to stop at its next check-in."""
    job = await session.get(Job, job_id, with_for_update=True)
    if job is None:
        return None
    now = utcnow()
    if job.state == JobState.QUEUED:
        job.state, job.finished_at, job.unique_key = JobState.CANCELLED, now, None
    elif job.state == JobState.RUNNING:
        job.cancel_requested = True
    job.updated_at = now
    await session.flush()
    return job


async def claim(
    session_factory: async_sessionmaker[AsyncSession],
    worker: str,
    *,
    lease_seconds: float = LEASE_SECONDS,
) -> Job | None:
    """Take the oldest due job, or one whose worker's lease ran out, and lease it to `worker`."""
    now = utcnow()
    due = or_(
        (Job.state == JobState.QUEUED) & (Job.run_after <= now),
        (Job.state == JobState.RUNNING) & (Job.lease_until < now),
    )
    # A read first: an idle worker's poll never takes SQLite's write lock.
    async with reader_of(session_factory)() as session:
        if await session.scalar(select(Job.id).where(due).limit(1)) is None:
            return None
    async with transaction(session_factory) as session:
        statement = (
            select(Job)
            .where(due)
            .order_by(Job.run_after, Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        while (job := await session.scalar(statement)) is not None:
            if job.state == JobState.QUEUED or job.attempts < job.max_attempts:
                break
            # Its worker died on the last attempt it had.
            job.state, job.finished_at, job.unique_key = JobState.FAILED, now, None
            job.last_error, job.lease_until = "the worker running it stopped", None
            await session.flush()
        if job is None:
            return None
        job.state = JobState.RUNNING
        job.attempts += 1
        job.locked_by = worker
        job.lease_until = now + timedelta(seconds=lease_seconds)
        job.updated_at = now
        return job


@dataclass
class Outcome:
    """What became of one claimed job."""

    job_id: int
    kind: str
    state: JobState
    result: dict | None = None
    error: BaseException | None = field(default=None, repr=False)


async def _finish(
    session_factory: async_sessionmaker[AsyncSession], job: Job, worker: str, **values
) -> bool:
    """Record a job's outcome, unless its lease passed to another worker meanwhile."""
    values.setdefault("updated_at", utcnow())
    async with transaction(session_factory) as session:
        changed = await session.execute(
            update(Job)
            .where(Job.id == job.id, Job.locked_by == worker, Job.state == JobState.RUNNING)
            .values(**values)
        )
        return changed.rowcount == 1


async def _renew_lease(
    session_factory: async_sessionmaker[AsyncSession],
    job_id: int,
    worker: str,
    seconds: float,
    done: asyncio.Event,
) -> None:
    """Extend a running job's lease every third of it, until `done` is set (never cancelled
    inside a renewal, see `stop_between_units`).

    A renewal that fails (the database busy past its wait, say) is logged and tried again at
    the next third: the lease still has two thirds left, and a renewer that died would let
    another worker take a job that is still running.
    """
    while True:
        with suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), seconds / 3)
            return
        try:
            async with transaction(session_factory) as session:
                await session.execute(
                    update(Job)
                    .where(Job.id == job_id, Job.locked_by == worker)
                    .values(lease_until=utcnow() + timedelta(seconds=seconds))
                )
        except Exception:
            log.warning("job_lease_renewal_failed", job_id=job_id, worker=worker, exc_info=True)


async def run_one(
    session_factory: async_sessionmaker[AsyncSession],
    worker: str,
    *,
    now: datetime | None = None,
    settings: object = None,
    lease_seconds: float = LEASE_SECONDS,
    stopping: asyncio.Event | None = None,
) -> Outcome | None:
    """Claim one due job and run it; return its outcome, or None when nothing is due.

    A handler that checks in while `stopping` is set ends with WorkerStopping: the job goes
    back to the queue, the attempt not counted, and the outcome says QUEUED with no error.
    """
    job = await claim(session_factory, worker, lease_seconds=lease_seconds)
    if job is None:
        return None
    handler = handler_of(job.kind)
    context = JobContext(
        job.id,
        job.kind,
        job.payload,
        job.attempts,
        now or utcnow(),
        session_factory,
        settings,
        stopping,
    )
    renewed = asyncio.Event()
    renewing = asyncio.create_task(
        _renew_lease(session_factory, job.id, worker, lease_seconds, renewed)
    )
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        result = await handler(context)
    except (asyncio.CancelledError, WorkerStopping) as stop:
        # The worker is stopping: the job goes back to the queue, the attempt not counted.
        await asyncio.shield(
            _finish(
                session_factory,
                job,
                worker,
                state=JobState.QUEUED,
                attempts=job.attempts - 1,
                run_after=utcnow(),
                lease_until=None,
                locked_by=None,
            )
        )
        if isinstance(stop, asyncio.CancelledError):
            raise
        return Outcome(job.id, job.kind, JobState.QUEUED, None, None)
    except JobCancelled:
        state, values, error, result = JobState.CANCELLED, {}, None, None
    except Exception as failure:
        error, result = failure, None
        values = {"last_error": "".join(traceback.format_exception_only(failure)).strip()}
        if job.attempts < job.max_attempts:
            state = JobState.QUEUED
            values["run_after"] = utcnow() + backoff(job.attempts)
        else:
            state = JobState.FAILED
    else:
        state, values, error = JobState.DONE, {"progress": 1.0, "result": result}, None
    finally:
        renewed.set()
        with suppress(Exception):  # the outcome is recorded regardless
            await renewing
    if state != JobState.QUEUED:
        values.update(finished_at=utcnow(), unique_key=None)
    values.update(lease_until=None, locked_by=None if state == JobState.QUEUED else worker)
    await _finish(session_factory, job, worker, state=state, **values)
    return Outcome(job.id, job.kind, state, result, error)
