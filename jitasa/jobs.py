"""The periodic sweeps, run as jobs of the queue: a scheduler queues each on its interval.

It sits beside main.py and cli.py, above the domains, so later sweeps of other domains
(notifications, imports, facilities) join without a domain importing another. Each sweep is a
`sweep.<name>` job with a unique key, so at most one instance of it waits or runs at a time,
whatever the number of schedulers; a sweep that fails is not retried: its next turn is.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.core import idempotency, outbox
from jitasa.core import jobs as queue
from jitasa.core.config import Settings
from jitasa.core.db import stop_between_units, transaction, utcnow
from jitasa.help_requests import jobs as help_request_jobs
from jitasa.imports import jobs as import_jobs  # noqa: F401  (registers the import job)
from jitasa.notifications import retention as notification_retention
from jitasa.triggers import consumer as notifications_consumer

# The runner's fallback when JITASA_JOBS_INTERVAL_SECONDS=0 (which only stops the web process
# running jobs) reaches a `jitasa worker` through a shared environment.
DEFAULT_INTERVAL_SECONDS = 60.0
POLL_SECONDS = 1.0
SWEEP = "sweep."
JOB_CHANGES = Counter("jitasa_job_changes_total", "Rows changed by the periodic jobs", ["job"])
JOB_FAILURES = Counter("jitasa_job_failures_total", "Failed runs of a periodic job", ["job"])
log = structlog.get_logger("jitasa.jobs")

Sweep = Callable[..., Awaitable[int]]

# Each sweep by the name its count is reported under, made from the settings. They are queued
# in this order, so one worker runs expiry first: a request that expires needs no escalation.
SWEEP_MAKERS: dict[str, Callable[[Settings], Sweep]] = {
    "expired": lambda settings: help_request_jobs.expire,
    "past_sla": lambda settings: help_request_jobs.flag_past_sla,
    "stale_claims": lambda settings: help_request_jobs.flag_stale_claims,
    "anonymised": lambda settings: partial(
        help_request_jobs.anonymise_closed, retention_days=settings.retention_days
    ),
    "idempotency_purged": lambda settings: idempotency.purge,
    "events_purged": lambda settings: partial(
        outbox.purge_passed, retention=timedelta(hours=settings.event_retention_hours)
    ),
    # Notifications once final, after JITASA_NOTIFICATION_RETENTION_DAYS; dead LINE drafts and
    # link codes as soon as they can no longer be used.
    "notifications_purged": lambda settings: partial(
        notification_retention.purge, retention_days=settings.notification_retention_days
    ),
    # A worker killed during a notification's last try: its row is marked failed, not waiting.
    "notifications_stranded": lambda settings: partial(
        notification_retention.fail_stranded,
        max_attempts=settings.notify_max_attempts,
        lease=timedelta(seconds=2 * queue.LEASE_SECONDS),
    ),
}
SWEEPS = tuple(SWEEP_MAKERS)


async def _run_job(
    session_factory: async_sessionmaker[AsyncSession], job: Sweep, *, now: datetime
) -> int:
    """Run a sweep one batch per transaction until a batch comes back short; return the total."""
    # Short transactions: a backlog never holds SQLite's write lock, or many PostgreSQL row
    # locks, for longer than one batch takes.
    batch_size = help_request_jobs.BATCH_SIZE
    total = 0
    while True:
        async with transaction(session_factory) as session:
            done = await job(session, now=now, limit=batch_size)
        total += done
        if done < batch_size:
            return total


def _sweep_handler(name: str) -> queue.Handler:
    """Return the queue handler that runs the sweep `name` (looked up when it runs)."""

    async def sweep(context: queue.JobContext) -> dict:
        job = SWEEP_MAKERS[name](context.settings)
        return {"changed": await _run_job(context.session_factory, job, now=context.now)}

    return sweep


for _name in SWEEPS:
    queue.handles(SWEEP + _name)(_sweep_handler(_name))


async def schedule(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Queue every sweep now, unless an instance of it already waits or runs."""
    async with transaction(session_factory) as session:
        for name in SWEEPS:
            await queue.enqueue(session, SWEEP + name, max_attempts=1, unique_key=SWEEP + name)


async def drain(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    worker: str,
    now: datetime | None = None,
    stopping: asyncio.Event | None = None,
) -> tuple[dict[str, int], list[BaseException]]:
    """Run due jobs until none is left, or until `stopping` is set (checked between jobs, and by
    long jobs when they check in); return what each sweep changed, and the failures."""
    stopping = stopping or asyncio.Event()
    counts = dict.fromkeys(SWEEPS, 0)
    failures: list[BaseException] = []
    # Rounds until one runs no job: events become notifications and their send jobs, then
    # the jobs run, and the events those jobs made (an escalation) are read in the next round.
    ran = True
    while ran and not stopping.is_set():
        ran = False
        try:
            await notifications_consumer.notify_pending(
                session_factory, queue.reader_of(session_factory), settings=settings
            )
        except Exception as failure:
            log.error("notifications.consume_failed", exc_info=failure)
            failures.append(failure)
        while not stopping.is_set() and (
            outcome := await queue.run_one(
                session_factory, worker, now=now, settings=settings, stopping=stopping
            )
        ):
            ran = True
            name = outcome.kind.removeprefix(SWEEP)
            if outcome.error is not None and outcome.state == queue.JobState.QUEUED:
                # Tried again after its backoff (a provider down): not a failure yet.
                log.warning("jobs.retrying", job=outcome.kind, id=outcome.job_id)
            elif outcome.error is not None:
                JOB_FAILURES.labels(name).inc()
                log.error(
                    "jobs.failed", job=outcome.kind, id=outcome.job_id, exc_info=outcome.error
                )
                failures.append(outcome.error)
            elif outcome.state == queue.JobState.DONE and name in counts:
                counts[name] += outcome.result["changed"]
                JOB_CHANGES.labels(name).inc(outcome.result["changed"])
    return counts, failures


def _worker_name() -> str:
    """Return a name unique to one running loop of this process."""
    return f"{queue.worker_name()}:{uuid.uuid4().hex[:6]}"


async def run_once(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    now: datetime | None = None,
) -> dict[str, int]:
    """Queue every sweep and run the queue dry; return what each sweep this call ran changed.

    A failing job is logged and the others still run; the failures are then raised together.
    """
    started = time.perf_counter()
    await schedule(session_factory)
    counts, failures = await drain(
        session_factory, settings=settings, worker=_worker_name(), now=now or utcnow()
    )
    report = log.info if any(counts.values()) or failures else log.debug
    report("jobs.ran", seconds=round(time.perf_counter() - started, 3), **counts)
    if failures:
        raise ExceptionGroup("periodic jobs failed", failures)
    return counts


async def run_forever(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    interval: float | None = None,
) -> None:
    """Queue the sweeps every `interval` seconds and run every due job, until cancelled.

    A cancellation (shutdown, SIGTERM) stops the loop between jobs or at a long job's next
    check-in, never inside a transaction (`stop_between_units`); a job stopped that way goes
    back to the queue.
    """
    interval = interval or settings.jobs_interval_seconds or DEFAULT_INTERVAL_SECONDS
    worker = _worker_name()
    log.info("jobs.started", interval_seconds=interval, worker=worker)
    stopping = asyncio.Event()
    next_schedule = 0.0

    async def one_pass() -> None:
        nonlocal next_schedule
        try:
            if time.monotonic() >= next_schedule:
                next_schedule = time.monotonic() + interval
                await schedule(session_factory)
            await drain(session_factory, settings=settings, worker=worker, stopping=stopping)
        except Exception:
            log.exception("jobs.pass_failed")

    while True:
        await stop_between_units(one_pass(), stopping)
        await asyncio.sleep(min(interval, POLL_SECONDS))
