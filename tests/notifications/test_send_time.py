"""At send time: a message that waited is checked again, and each try is written as it happens."""

import asyncio
from collections.abc import Iterator

import pytest

from jitasa.core import jobs
from jitasa.core.db import create_session_factory, transaction, utcnow
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.help_requests.states import Status
from jitasa.notifications import service, templates
from jitasa.notifications.models import Delivery, Preference
from jitasa.notifications.routing import THAI_TIME
from jitasa.triggers import still_true  # noqa: F401  (registers the send-time checks)
from tests.factories import make_user, make_volunteer
from tests.help_requests.helpers import make_request
from tests.notifications.helpers import PHONE, make_due, read, run_job, with_sms
from tests.notifications.sms_provider import Provider, running_provider
from tests.notifications.test_triggers import console_lines, notes, prefer, run, verified


@pytest.fixture
def provider() -> Iterator[Provider]:
    """The stand-in SMS provider, running on loopback."""
    with running_provider() as running:
        yield running


async def test_a_held_nearby_alert_is_withdrawn_once_the_request_is_taken(
    engine, session, settings
):
    volunteer_user = await make_user(session, roles=[Role.VOLUNTEER])
    await verified(session, await make_volunteer(session, user=volunteer_user))
    hour = utcnow().astimezone(THAI_TIME).hour
    await prefer(
        session,
        volunteer_user,
        nearby_urgencies=["yellow"],
        quiet_start=hour,
        quiet_end=(hour + 2) % 24,
    )
    yellow = await make_request(session, category="medical_help", urgency="yellow")
    await run(engine, settings)
    [held] = await notes(session, kind=templates.NEARBY)
    assert held.state == Delivery.QUEUED  # quiet hours hold it

    other = await make_user(session, roles=[Role.VOLUNTEER])
    await verified(session, await make_volunteer(session, user=other))
    await lifecycle.claim(session, help_request=yellow, user=other)
    await session.commit()
    await make_due(session)  # the quiet hours end
    await run(engine, settings)

    [held] = await notes(session, kind=templates.NEARBY)
    assert held.state == Delivery.WITHDRAWN and held.attempts == 0
    assert held.last_error == "a volunteer has taken the request"
    assert held.text not in [line["text"] for line in console_lines(settings)]


async def test_a_retry_of_a_message_no_longer_true_is_withdrawn(
    engine, session, settings, provider
):
    requester = await make_user(session)
    help_request = await make_request(session, requester=requester)
    helper = await make_user(session, roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=helper)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    await session.commit()
    async with transaction(create_session_factory(engine)) as writing:
        notification_id = await service.queue(
            writing,
            kind=templates.CLAIMED,
            channel="sms",
            address=PHONE,
            text="Jitasa: Somsak is coming to help.",
            dedupe_key="test:claimed",
            max_attempts=3,
            request_id=help_request.id,
        )
    provider.status = 500
    sms = with_sms(settings, provider.url)
    assert (await run_job(engine, sms)).state == jobs.JobState.QUEUED
    notification = await read(session, notification_id)
    assert (notification.state, notification.attempts) == (Delivery.QUEUED, 1)

    await lifecycle.transition(
        session, help_request=help_request, user=requester, to=Status.CANCELLED
    )
    await session.commit()
    await make_due(session)
    provider.status = 200
    assert (await run_job(engine, sms)).state == jobs.JobState.DONE
    notification = await read(session, notification_id)
    assert notification.state == Delivery.WITHDRAWN and notification.attempts == 1
    assert notification.last_error == "the request was cancelled"
    assert len(provider.received) == 1  # the retry never reached the provider


async def test_a_try_under_way_is_counted_before_the_provider_answers(
    engine, session, settings, provider
):
    async with transaction(create_session_factory(engine)) as writing:
        notification_id = await service.queue(
            writing,
            kind=templates.RESOLVED,
            channel="sms",
            address=PHONE,
            text="Jitasa: request JT-ABC234 is marked resolved. Thank you.",
            dedupe_key="test:under-way",
            max_attempts=3,
        )
    provider.delay = 30.0  # answers only when released
    sms = with_sms(settings, provider.url)
    running = asyncio.create_task(run_job(engine, sms))
    try:
        await asyncio.to_thread(provider.arrived.wait, 10)
        notification = await read(session, notification_id)
        assert (notification.state, notification.attempts) == (Delivery.QUEUED, 1)
    finally:
        provider.delay = 0.0
        provider.release.set()
        outcome = await running
    assert outcome.state == jobs.JobState.DONE
    assert (await read(session, notification_id)).state == Delivery.SENT


async def test_a_channel_that_cannot_start_is_recorded_as_a_failed_try(engine, session, settings):
    async with transaction(create_session_factory(engine)) as writing:
        notification_id = await service.queue(
            writing,
            kind=templates.RESOLVED,
            channel="sms",
            address=PHONE,
            text="Jitasa: request JT-ABC234 is marked resolved. Thank you.",
            dedupe_key="test:no-token",
            max_attempts=1,
        )
    # An SMS address with no token: the channel cannot be made.
    broken = settings.model_copy(update={"sms_url": "http://127.0.0.1:9/v1/messages"})
    outcome = await run_job(engine, broken)
    assert outcome.state == jobs.JobState.DONE
    notification = await read(session, notification_id)
    assert (notification.state, notification.attempts) == (Delivery.FAILED, 1)
    assert notification.last_error == "sms: ValueError"


async def test_a_linked_message_for_a_line_account_linked_since_to_another_is_withdrawn(
    engine, session, settings
):
    user = await make_user(session)
    session.add(
        Preference(
            user_id=user.id,
            channels=["line"],
            language="th",
            nearby_urgencies=[],
            quiet_start=0,
            quiet_end=0,
            line_user_id="U" + "2" * 32,  # linked again since, to another LINE account
        )
    )
    await session.commit()
    async with transaction(create_session_factory(engine)) as writing:
        notification_id = await service.queue(
            writing,
            kind=templates.LINKED,
            channel="line",
            address="U" + "1" * 32,
            text="Jitasa: this LINE account is now linked.",
            dedupe_key="test:linked",
            max_attempts=3,
            user_id=user.id,
        )
    assert (await run_job(engine, settings)).state == jobs.JobState.DONE
    notification = await read(session, notification_id)
    assert notification.state == Delivery.WITHDRAWN
    assert notification.last_error == "the LINE account is no longer linked to this person"
