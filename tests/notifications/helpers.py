"""Notification test helpers: queue one, run the send job as a worker would, read it back."""

from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from jitasa.core import jobs
from jitasa.core.config import Settings
from jitasa.core.db import create_session_factory, transaction, utcnow
from jitasa.notifications import (
    delivery,  # noqa: F401  (registers the send job)
    service,
)
from jitasa.notifications.models import Notification
from tests.notifications.sms_provider import TOKEN

PHONE = "+66812345678"


def with_sms(settings: Settings, url: str, **more: object) -> Settings:
    """Return the test settings with the SMS provider at `url`."""
    return settings.model_copy(update={"sms_url": url, "sms_token": SecretStr(TOKEN), **more})


async def queue_one(
    engine: AsyncEngine, *, channel: str = "sms", address: str = PHONE, attempts: int = 3
) -> int:
    """Write one notification and its job, committed; return its id."""
    async with transaction(create_session_factory(engine)) as session:
        return await service.queue(
            session,
            kind="request.resolved",
            channel=channel,
            address=address,
            text="Jitasa: request JT-ABC234 is marked resolved. Thank you.",
            dedupe_key=f"test:{utcnow().isoformat()}",
            max_attempts=attempts,
        )


async def run_job(engine: AsyncEngine, settings: Settings, worker: str = "worker-1"):
    """Run the one due job as a worker does; return its outcome."""
    return await jobs.run_one(create_session_factory(engine), worker, settings=settings)


async def make_due(session: AsyncSession) -> None:
    """Let the backoff pass: every queued job is due now."""
    await session.execute(
        update(jobs.Job)
        .where(jobs.Job.state == jobs.JobState.QUEUED)
        .values(run_after=utcnow() - timedelta(seconds=1))
    )
    await session.commit()


async def read(session: AsyncSession, notification_id: int) -> Notification:
    """Read a notification afresh."""
    return await session.get(Notification, notification_id, populate_existing=True)


async def the_job(session: AsyncSession) -> jobs.Job:
    """Return the one job of the queue, read afresh."""
    found = await session.scalars(select(jobs.Job).execution_options(populate_existing=True))
    return found.one()
