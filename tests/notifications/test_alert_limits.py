"""A volunteer's hourly nearby alerts, and "officials were alerted", count only messages that
were sent or are on their way: one withdrawn (its request taken or cancelled first) or failed
uses up nothing, and one held by quiet hours is withdrawn as soon as its request is taken.
"""

from datetime import timedelta

import pytest
from sqlalchemy import update

from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.help_requests.states import Status
from jitasa.notifications import service as notifications
from jitasa.notifications.models import Delivery, Notification
from jitasa.notifications.routing import THAI_TIME
from tests.factories import make_user, make_volunteer
from tests.help_requests.helpers import make_request
from tests.notifications.test_triggers import notes, prefer, run, verified


async def volunteer(session, **choices):
    """A verified volunteer near Chiang Mai who asked to hear of urgent requests."""
    user = await make_user(session, roles=[Role.VOLUNTEER])
    await verified(session, await make_volunteer(session, user=user))
    await prefer(session, user, nearby_urgencies=["urgent"], radius_km=10, **choices)
    return user


async def test_an_alert_withdrawn_before_sending_leaves_the_hourly_limit_unused(
    engine, session, settings
):
    user = await volunteer(session)
    one_an_hour = settings.model_copy(update={"nearby_alerts_per_hour": 1})
    requester = await make_user(session)
    first = await make_request(session, requester=requester, urgency="urgent")
    await lifecycle.transition(session, help_request=first, user=requester, to=Status.CANCELLED)
    await session.commit()
    await run(engine, one_an_hour)
    [withdrawn] = await notes(session, kind="request.nearby")
    assert (withdrawn.state, withdrawn.last_error) == (
        Delivery.WITHDRAWN,
        "the request was cancelled",
    )

    second = await make_request(session, urgency="urgent")
    await run(engine, one_an_hour)
    alerts = await notes(session, kind="request.nearby", user_id=user.id)
    assert [(a.request_id, a.state) for a in alerts] == [
        (first.id, Delivery.WITHDRAWN),
        (second.id, Delivery.SENT),
    ]
    await make_request(session, urgency="urgent")  # the one of this hour is used now
    await run(engine, one_an_hour)
    assert len(await notes(session, kind="request.nearby", user_id=user.id)) == 2


async def test_an_alert_held_by_quiet_hours_is_withdrawn_when_its_request_is_taken(
    engine, session, settings
):
    hour = utcnow().astimezone(THAI_TIME).hour
    user = await volunteer(session, quiet_start=hour, quiet_end=(hour + 2) % 24)
    one_an_hour = settings.model_copy(update={"nearby_alerts_per_hour": 1})
    first = await make_request(session, urgency="urgent")
    await run(engine, one_an_hour)
    [held] = await notes(session, kind="request.nearby")
    assert held.state == Delivery.QUEUED and held.send_after > utcnow()

    helper = await make_user(session, roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=helper)
    await lifecycle.claim(session, help_request=first, user=helper)
    await session.commit()
    await run(engine, one_an_hour)
    [held] = await notes(session, kind="request.nearby")
    assert (held.state, held.last_error) == (
        Delivery.WITHDRAWN,
        "a volunteer has taken the request",
    )

    second = await make_request(session, urgency="urgent")
    await run(engine, one_an_hour)
    alerts = await notes(session, kind="request.nearby", user_id=user.id)
    assert [(a.request_id, a.state) for a in alerts] == [
        (first.id, Delivery.WITHDRAWN),
        (second.id, Delivery.QUEUED),  # held in turn until the quiet hours end
    ]


@pytest.mark.parametrize(
    ("state", "counted"),
    [
        (Delivery.QUEUED, 1),
        (Delivery.SENT, 1),
        (Delivery.WITHDRAWN, 0),
        (Delivery.FAILED, 0),
    ],
)
async def test_only_messages_sent_or_on_their_way_count_in_limits_and_alerted(
    session, state, counted
):
    user = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    now = utcnow()
    notification_id = await notifications.queue(
        session,
        kind="request.escalated",
        channel="console",
        address="0812345678",
        text="x",
        dedupe_key=f"limits:{state}",
        max_attempts=1,
        user_id=user.id,
        request_id=7,
    )
    await session.execute(
        update(Notification).where(Notification.id == notification_id).values(state=state)
    )
    await session.commit()
    recent = await notifications.sent_recently(
        session, user_id=user.id, kind="request.escalated", since=timedelta(hours=1), now=now
    )
    alerted = await notifications.counts_by_request(
        session, request_ids={7}, kind="request.escalated"
    )
    assert (recent, alerted.get(7, 0)) == (counted, counted)
