"""Who is told what: the consumer "notifications" turning domain events into sent messages."""

import json
from datetime import timedelta

from sqlalchemy import delete, select

from jitasa import jobs
from jitasa.core.db import create_session_factory, utcnow
from jitasa.core.events import OutboxCursor
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.help_requests.states import Status
from jitasa.notifications import service as notifications
from jitasa.notifications.channels.console import MESSAGES_FILE
from jitasa.notifications.models import Delivery, Notification
from jitasa.notifications.routing import THAI_TIME
from jitasa.notifications.schemas import PreferencesIn
from jitasa.volunteers import verification as volunteer_verification
from tests.factories import make_user, make_volunteer
from tests.help_requests.helpers import make_request
from tests.help_requests.job_helpers import age


async def run(engine, settings) -> None:
    """Run the job runner's pass: the consumer, the sweeps, the send jobs."""
    await jobs.run_once(create_session_factory(engine), settings=settings)


async def notes(session, **where) -> list[Notification]:
    """Return the notifications matching `where`, oldest first."""
    statement = select(Notification).filter_by(**where).order_by(Notification.id)
    return list(await session.scalars(statement.execution_options(populate_existing=True)))


def console_lines(settings) -> list[dict]:
    """Return what the console channel wrote."""
    path = settings.data_dir / MESSAGES_FILE
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


async def verified(session, volunteer) -> None:
    """Have a coordinator of the province verify the volunteer."""
    coordinator = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    await volunteer_verification.verify(
        session, volunteer=volunteer, coordinator=coordinator, client_ip="127.0.0.1"
    )
    await session.commit()


async def prefer(session, user, **choices) -> None:
    """Save a person's notification preferences."""
    await notifications.save_preferences(
        session, user_id=user.id, preferences_in=PreferencesIn(**choices)
    )
    await session.commit()


async def test_the_requester_hears_who_claimed_with_a_number_to_call_then_each_step(
    engine, session, settings
):
    requester = await make_user(session)
    help_request = await make_request(session, requester=requester)
    helper = await make_user(session, roles=[Role.VOLUNTEER], display_name="Somsak Rakdee")
    await make_volunteer(session, user=helper)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    await session.commit()
    await run(engine, settings)

    [claimed] = await notes(session, user_id=requester.id)
    assert (claimed.kind, claimed.channel, claimed.address) == (
        "request.claimed",
        "console",
        requester.phone,
    )
    local = "0" + helper.phone[3:]
    callback = f"{local[:3]}-{local[3:6]}-{local[6:]}"
    assert claimed.text == f"จิตอาสา: Somsak Rakdee กำลังไปช่วย {help_request.code} โทร {callback}"
    assert claimed.state == Delivery.SENT and claimed.request_id == help_request.id
    assert console_lines(settings)[-1]["text"] == claimed.text

    for status in (Status.IN_PROGRESS, Status.RESOLVED):
        await lifecycle.transition(session, help_request=help_request, user=helper, to=status)
        await session.commit()
    await run(engine, settings)
    kinds = [n.kind for n in await notes(session, user_id=requester.id)]
    assert kinds == ["request.claimed", "request.picked_up", "request.resolved"]


async def test_events_handed_over_again_notify_nobody_twice(engine, session, settings):
    requester = await make_user(session)
    help_request = await make_request(session, requester=requester)
    helper = await make_user(session, roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=helper)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    await session.commit()
    await run(engine, settings)
    # A crash before the cursor moved would hand every event over again.
    await session.execute(delete(OutboxCursor).where(OutboxCursor.consumer == "notifications"))
    await session.commit()
    await run(engine, settings)
    assert len(await notes(session, user_id=requester.id)) == 1


async def test_an_overdue_request_alerts_its_areas_coordinators_only(engine, session, settings):
    province = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    district = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    elsewhere = await make_user(session, roles=[Role.COORDINATOR], area_code="10")
    # Quiet hours never hold an escalation back.
    await prefer(session, district, quiet_start=0, quiet_end=23, language="en")
    help_request = await make_request(session, urgency="urgent")
    await age(session, help_request, created_at=timedelta(days=3))
    await run(engine, settings)

    told = await notes(session, kind="request.escalated")
    assert {n.user_id for n in told} == {province.id, district.id}
    assert elsewhere.id not in {n.user_id for n in told}
    assert all(n.state == Delivery.SENT and n.channel == "console" for n in told)
    english = next(n for n in told if n.user_id == district.id)
    assert english.text == (
        f"Jitasa: request {help_request.code} (Urgent) waited past its time limit. Please act."
    )
    await run(engine, settings)  # flagged once, told once
    assert len(await notes(session, kind="request.escalated")) == 2


async def test_opted_in_volunteers_near_a_new_request_are_alerted_within_limits(
    engine, session, settings
):
    near = await make_user(session, roles=[Role.VOLUNTEER])
    await verified(session, await make_volunteer(session, user=near))
    await prefer(session, near, nearby_urgencies=["urgent"], radius_km=10)
    not_opted = await make_user(session, roles=[Role.VOLUNTEER])
    await verified(session, await make_volunteer(session, user=not_opted))
    far = await make_user(session, roles=[Role.VOLUNTEER])
    far_home = {"home_lat": 18.4167, "home_lon": 98.675}  # ~50 km away
    await verified(session, await make_volunteer(session, user=far, **far_home))
    await prefer(session, far, nearby_urgencies=["urgent"], radius_km=5)
    # Not verified, or asking beyond the 10 km it may claim within: told nothing.
    unverified = await make_user(session, roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=unverified)
    await prefer(session, unverified, nearby_urgencies=["urgent"], radius_km=10)
    wide = await make_user(session, roles=[Role.VOLUNTEER])
    wide_home = {"home_lat": 18.95, "home_lon": 98.974, "service_radius_km": 10}  # ~18 km
    await verified(session, await make_volunteer(session, user=wide, **wide_home))
    await prefer(session, wide, nearby_urgencies=["urgent"], radius_km=50)

    first = await make_request(session, urgency="urgent")
    await make_request(session, urgency="normal")  # not an urgency anyone asked for
    await run(engine, settings)
    [alert] = await notes(session, kind="request.nearby")
    assert alert.user_id == near.id and alert.request_id == first.id
    assert alert.text.startswith(f"จิตอาสา: คำขอใหม่ {first.code} (ด่วน) ห่างจากคุณราว ")

    limited = settings.model_copy(update={"nearby_alerts_per_hour": 1})
    await make_request(session, urgency="urgent")
    await run(engine, limited)
    assert len(await notes(session, kind="request.nearby")) == 1  # one an hour at most


async def test_quiet_hours_hold_a_message_but_not_a_red_one(engine, session, settings):
    volunteer_user = await make_user(session, roles=[Role.VOLUNTEER])
    await verified(session, await make_volunteer(session, user=volunteer_user))
    hour = utcnow().astimezone(THAI_TIME).hour
    await prefer(
        session,
        volunteer_user,
        nearby_urgencies=["yellow", "red"],
        quiet_start=hour,
        quiet_end=(hour + 2) % 24,
    )
    yellow = await make_request(session, category="medical_help", urgency="yellow")
    red = await make_request(session, category="medical_help", urgency="red")
    await run(engine, settings)
    by_request = {n.request_id: n for n in await notes(session, kind="request.nearby")}
    assert by_request[red.id].state == Delivery.SENT
    held = by_request[yellow.id]
    assert held.state == Delivery.QUEUED and held.send_after > utcnow()
    assert held.send_after.astimezone(THAI_TIME).hour == (hour + 2) % 24


async def test_a_verified_volunteer_is_told(engine, session, settings):
    coordinator = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    volunteer = await make_volunteer(session)
    await volunteer_verification.verify(
        session, volunteer=volunteer, coordinator=coordinator, client_ip="127.0.0.1"
    )
    await session.commit()
    await run(engine, settings)
    [told] = await notes(session, kind="volunteer.verified")
    assert told.user_id == volunteer.user_id and told.state == Delivery.SENT
    assert told.text == "จิตอาสา: คุณได้รับการรับรองเป็นอาสาสมัครแล้ว ขอบคุณ"
