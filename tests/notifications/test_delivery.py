"""Sending by jobs against a real local SMS provider: retries, refusals, hangs, killed workers."""

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import update

from jitasa.core import jobs
from jitasa.notifications.models import Delivery
from tests.notifications.helpers import (
    PHONE,
    make_due,
    queue_one,
    read,
    run_job,
    the_job,
    with_sms,
)
from tests.notifications.sms_provider import Provider, running_provider


@pytest.fixture
def provider() -> Iterator[Provider]:
    """The stand-in SMS provider, running on loopback."""
    with running_provider() as running:
        yield running


async def test_a_provider_error_is_retried_after_a_backoff_and_then_delivered(
    engine, session, settings, provider
):
    provider.statuses = [500]
    sms = with_sms(settings, provider.url)
    notification_id = await queue_one(engine)

    first = await run_job(engine, sms)
    assert first.state == jobs.JobState.QUEUED  # to be tried again
    notification = await read(session, notification_id)
    assert notification.state == Delivery.QUEUED and notification.attempts == 1
    assert notification.last_error == "SMS provider: HTTP 500 gateway overloaded"
    job = await the_job(session)
    assert job.run_after > job.updated_at  # it waits out its backoff before the next try
    assert await run_job(engine, sms) is None  # not due yet

    await make_due(session)
    second = await run_job(engine, sms)
    assert second.state == jobs.JobState.DONE
    notification = await read(session, notification_id)
    assert notification.state == Delivery.SENT and notification.attempts == 2
    assert notification.sent_at is not None
    keys = {request.headers["idempotency-key"] for request in provider.received}
    assert len(provider.received) == 2 and len(keys) == 1  # the same key: sent once by them
    assert provider.received[0].json() == {"to": PHONE, "from": "Jitasa", "text": notification.text}


async def test_a_refusal_fails_at_once_with_the_providers_reason(
    engine, session, settings, provider
):
    provider.status = 400
    notification_id = await queue_one(engine, attempts=5)
    outcome = await run_job(engine, with_sms(settings, provider.url))
    assert outcome.state == jobs.JobState.DONE  # the job did its work: the answer is final
    notification = await read(session, notification_id)
    assert notification.state == Delivery.FAILED and notification.attempts == 1
    assert notification.last_error == "SMS provider: HTTP 400 number cannot receive SMS"
    await make_due(session)
    assert await run_job(engine, with_sms(settings, provider.url)) is None  # never again
    assert len(provider.received) == 1


async def test_after_the_last_try_it_fails_with_the_last_reason(
    engine, session, settings, provider
):
    provider.status = 500
    notification_id = await queue_one(engine, attempts=2)
    sms = with_sms(settings, provider.url)
    assert (await run_job(engine, sms)).state == jobs.JobState.QUEUED
    await make_due(session)
    assert (await run_job(engine, sms)).state == jobs.JobState.DONE
    notification = await read(session, notification_id)
    assert (notification.state, notification.attempts) == (Delivery.FAILED, 2)
    assert notification.last_error == "SMS provider: HTTP 500 gateway overloaded"
    await make_due(session)
    assert await run_job(engine, sms) is None and len(provider.received) == 2


async def test_a_hanging_provider_times_out_and_the_worker_goes_on(
    engine, session, settings, provider
):
    provider.delay = 30.0  # answers only when released
    sms = with_sms(settings, provider.url, notify_timeout_seconds=0.3)
    notification_id = await queue_one(engine)
    outcome = await run_job(engine, sms)
    assert outcome.state == jobs.JobState.QUEUED  # the worker came back, the job waits
    notification = await read(session, notification_id)
    assert notification.last_error == "SMS provider: no answer in time"

    provider.delay, provider.status = 0.0, 200
    provider.release.set()
    await make_due(session)
    assert (await run_job(engine, sms)).state == jobs.JobState.DONE
    assert (await read(session, notification_id)).state == Delivery.SENT


DOOMED_WORKER = """
import asyncio
from jitasa.core import jobs
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.notifications import delivery

settings = Settings(_env_file=None)
factory = create_session_factory(create_engine(settings))
asyncio.run(jobs.run_one(factory, "doomed-worker", settings=settings))
"""


async def test_a_worker_killed_mid_send_leaves_it_to_be_resent_and_nothing_is_lost(
    engine, session, settings, provider
):
    provider.delay = 60.0  # the first send hangs until the worker is killed
    notification_id = await queue_one(engine)
    environment = {
        **os.environ,
        "JITASA_DATABASE_URL": settings.database_url,
        "JITASA_DATA_DIR": str(settings.data_dir),
        "JITASA_SMS_URL": provider.url,
        "JITASA_SMS_TOKEN": "provider-test-token",
        "JITASA_LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen([sys.executable, "-c", DOOMED_WORKER], env=environment)
    try:
        arrived = await asyncio.to_thread(provider.arrived.wait, 60)
        assert arrived, "the worker never reached the provider"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    job = await the_job(session)
    assert (job.state, job.locked_by) == (jobs.JobState.RUNNING, "doomed-worker")
    assert (await read(session, notification_id)).state == Delivery.QUEUED  # not confirmed

    # Its lease runs out (60 s in life; here at once), and another worker takes the job.
    await session.execute(
        update(jobs.Job).where(jobs.Job.id == job.id).values(lease_until=job.updated_at)
    )
    await session.commit()
    provider.delay = 0.0
    provider.release.set()
    resent = await run_job(engine, with_sms(settings, provider.url))
    assert resent.state == jobs.JobState.DONE
    notification = await read(session, notification_id)
    assert notification.state == Delivery.SENT and notification.attempts == 2
    first, second = provider.received
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
