"""The periodic jobs runner: each domain's jobs on a timer, in the web process or `jitasa worker`.

It sits beside main.py and cli.py, above the domains, so later jobs of other domains
(notifications, imports, facilities) join the same pass without a domain importing another.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.core import idempotency
from jitasa.core.config import Settings
from jitasa.core.db import transaction, utcnow
from jitasa.help_requests import jobs as help_request_jobs
from jitasa.realtime import outbox

# The runner's fallback when JITASA_JOBS_INTERVAL_SECONDS=0 (which only stops the web process
# running jobs) reaches a `jitasa worker` through a shared environment.
DEFAULT_INTERVAL_SECONDS = 60.0
JOB_CHANGES = Counter("jitasa_job_changes_total", "Rows changed by the periodic jobs", ["job"])
JOB_FAILURES = Counter("jitasa_job_failures_total", "Failed runs of a periodic job", ["job"])
log = structlog.get_logger("jitasa.jobs")

Job = Callable[..., Awaitable[int]]


def scheduled_jobs(settings: Settings) -> list[tuple[str, Job]]:
    """Return the jobs of one pass in order, by the name their count is reported under."""
    return [
        # Expiry first: a request that expires in this pass needs no escalation as well.
        ("expired", help_request_jobs.expire),
        ("past_sla", help_request_jobs.flag_past_sla),
        ("stale_claims", help_request_jobs.flag_stale_claims),
        (
            "anonymised",
            partial(help_request_jobs.anonymise_closed, retention_days=settings.retention_days),
        ),
        ("idempotency_purged", idempotency.purge),
        (
            "events_purged",
            partial(
                outbox.purge_published,
                retention=timedelta(hours=settings.event_retention_hours),
            ),
        ),
    ]


async def _run_job(
    session_factory: async_sessionmaker[AsyncSession], job: Job, *, now: datetime
) -> int:
    """Run a job one batch per transaction until a batch comes back short; return the total."""
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


async def run_once(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    now: datetime | None = None,
) -> dict[str, int]:
    """Run every periodic job once, each in its own transactions; return what each changed.

    A failing job is logged and the others still run; the failures are then raised together.
    """
    now = now or utcnow()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    failures: list[Exception] = []
    for name, job in scheduled_jobs(settings):
        try:
            counts[name] = await _run_job(session_factory, job, now=now)
        except Exception as error:
            JOB_FAILURES.labels(name).inc()
            log.exception("jobs.failed", job=name)
            failures.append(error)
        else:
            JOB_CHANGES.labels(name).inc(counts[name])
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
    """Run the periodic jobs now and then every `interval` seconds, until cancelled."""
    interval = interval or settings.jobs_interval_seconds or DEFAULT_INTERVAL_SECONDS
    log.info("jobs.started", interval_seconds=interval)
    while True:
        try:
            await run_once(session_factory, settings=settings)
        except ExceptionGroup:
            pass  # run_once logged each failing job; the next pass tries them again
        except Exception:
            log.exception("jobs.pass_failed")
        await asyncio.sleep(interval)
