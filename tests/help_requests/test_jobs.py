"""Periodic jobs: escalation past the SLA, stale claims, expiry, anonymisation."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from jitasa.accounts.models import User
from jitasa.core import geo
from jitasa.core.config import Settings
from jitasa.core.i18n import thai
from jitasa.help_requests import jobs, lifecycle
from jitasa.help_requests.states import Status
from jitasa.incidents.models import Category, Incident
from jitasa.web.request_views import DETAIL_NOTES
from tests.help_requests.job_helpers import (
    MUEANG_CHIANG_MAI,
    PHONE,
    age,
    claimed_request,
    events_of,
    new_request,
    reload,
    run_job,
)


async def test_red_request_open_past_15_minutes_is_escalated_once(session, engine):
    red = await new_request(session, category="medical_help", urgency="red")
    yellow = await new_request(session, category="medical_help", urgency="yellow")
    await age(session, red, created_at=timedelta(minutes=16), updated_at=timedelta(minutes=16))
    await age(session, yellow, created_at=timedelta(minutes=30))
    updated_at = (await reload(session, red)).updated_at

    assert await run_job(engine, jobs.flag_past_sla) == 1
    assert await run_job(engine, jobs.flag_past_sla) == 0

    red = await reload(session, red)
    assert red.sla_breached_at is not None
    assert red.updated_at == updated_at  # a flag is no update: the expiry clock keeps running
    [escalated] = await events_of(session, red, "escalated")
    assert escalated.actor_id is None
    # A kind and details, no English sentence: pages word it in their reader's language.
    assert escalated.note == ""
    assert escalated.details == {"sla_minutes": 15, "urgency": "red"}
    assert (await reload(session, yellow)).sla_breached_at is None
    assert await events_of(session, yellow, "escalated") == []


async def test_incident_limits_decide_escalation_and_expiry(session, engine):
    session.add(
        Incident(
            code="hat-yai-floods",
            name_th="น้ำท่วมหาดใหญ่",
            name_en="Hat Yai floods",
            kind="flood",
            sla_minutes={"yellow": 20},
            expiry_hours=24,
            categories=[
                Category(code="medical_help", name_th="การแพทย์", name_en="Medical", medical=True)
            ],
        )
    )
    await session.commit()
    waiting = await new_request(
        session, incident="hat-yai-floods", category="medical_help", urgency="yellow"
    )
    forgotten = await new_request(
        session, incident="hat-yai-floods", category="medical_help", urgency="green"
    )
    await age(session, waiting, created_at=timedelta(minutes=25))
    await age(session, forgotten, updated_at=timedelta(hours=25))

    assert await run_job(engine, jobs.expire) == 1
    assert await run_job(engine, jobs.flag_past_sla) == 1
    [escalated] = await events_of(session, waiting, "escalated")
    assert escalated.details["sla_minutes"] == 20
    assert (await reload(session, forgotten)).status == Status.EXPIRED


async def test_claim_without_update_for_49_hours_is_flagged_for_release(session, engine):
    stale = await claimed_request(session)
    recent = await claimed_request(session)
    await age(session, stale, updated_at=timedelta(hours=49))
    await age(session, recent, updated_at=timedelta(hours=47))

    assert await run_job(engine, jobs.flag_stale_claims) == 1
    assert await run_job(engine, jobs.flag_stale_claims) == 0

    assert (await reload(session, stale)).stale_flagged_at is not None
    [flagged] = await events_of(session, stale, "stale_claim")
    assert flagged.actor_id is None
    assert (flagged.note, flagged.details) == ("", {"hours": 48})
    assert (await reload(session, recent)).stale_flagged_at is None


async def test_claim_stale_again_after_a_later_update_is_flagged_again(session, engine):
    help_request = await claimed_request(session)
    await age(session, help_request, stale_flagged_at=timedelta(hours=60))
    await age(session, help_request, updated_at=timedelta(hours=49))

    assert await run_job(engine, jobs.flag_stale_claims) == 1
    assert len(await events_of(session, help_request, "stale_claim")) == 1


async def test_request_without_update_past_incident_expiry_expires(session, engine):
    forgotten = await new_request(session)
    forgotten_claim = await claimed_request(session)
    recent = await new_request(session)
    await age(session, forgotten, updated_at=timedelta(hours=73))
    await age(session, forgotten_claim, updated_at=timedelta(hours=73))
    await age(session, recent, updated_at=timedelta(hours=71))

    assert await run_job(engine, jobs.expire) == 2
    assert await run_job(engine, jobs.expire) == 0

    for help_request, was in ((forgotten, Status.OPEN), (forgotten_claim, Status.CLAIMED)):
        help_request = await reload(session, help_request)
        assert help_request.status == Status.EXPIRED
        assert help_request.closed_at is not None
        [expired] = await events_of(session, help_request, "expired")
        assert (expired.actor_id, expired.from_status, expired.to_status) == (
            None,
            was,
            Status.EXPIRED,
        )
    assert (await reload(session, recent)).status == Status.OPEN


async def test_a_job_works_through_more_requests_than_one_batch(session, engine, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    forgotten = [await new_request(session) for _ in range(5)]
    for help_request in forgotten:
        await age(session, help_request, updated_at=timedelta(days=4))

    assert await run_job(engine, jobs.expire, limit=3) == 3
    assert await run_job(engine, jobs.expire) == 2
    for help_request in forgotten:
        assert (await reload(session, help_request)).status == Status.EXPIRED


async def test_closed_request_is_anonymised_after_the_retention_period(session, engine):
    old = await new_request(session)
    requester = await session.get(User, old.requester_id)
    await lifecycle.transition(
        session,
        help_request=old,
        user=requester,
        to=Status.CANCELLED,
        note=f"Somchai found help, call {PHONE}",
    )
    await session.commit()
    fresh = await new_request(session)
    await lifecycle.transition(
        session,
        help_request=fresh,
        user=await session.get(User, fresh.requester_id),
        to=Status.CANCELLED,
    )
    await session.commit()
    still_open = await new_request(session)
    await age(session, old, closed_at=timedelta(days=91))
    await age(session, fresh, closed_at=timedelta(days=10))
    await age(session, still_open, created_at=timedelta(days=200))
    exact_pin, requester_id = (old.lat, old.lon), requester.id

    assert await run_job(engine, jobs.anonymise_closed, retention_days=90) == 1
    assert await run_job(engine, jobs.anonymise_closed, retention_days=90) == 0

    old = await reload(session, old)
    assert (old.contact_name, old.contact_phone, old.description, old.address_text) == ("",) * 4
    assert (
        (old.lat, old.lon) == geo.round_for_privacy(*exact_pin) == (old.public_lat, old.public_lon)
    )
    assert (old.lat, old.lon) != exact_pin
    assert old.anonymised_at is not None
    assert old.requester_id is None
    timeline = await events_of(session, old)
    assert [event.kind for event in timeline] == ["created", "cancelled", "anonymised"]
    assert all(PHONE not in event.note and "Somchai" not in event.note for event in timeline)
    assert all(event.actor_id != requester_id for event in timeline)
    for untouched in (fresh, still_open):
        untouched = await reload(session, untouched)
        assert untouched.anonymised_at is None
        assert (untouched.contact_phone, untouched.lat) == (PHONE, MUEANG_CHIANG_MAI["lat"])
        assert untouched.description


def test_every_timeline_detail_has_a_thai_translation():
    notes = [
        n
        for note in DETAIL_NOTES.values()
        for n in (note.values() if isinstance(note, dict) else [note])
    ]
    assert [note for note in notes if thai(note) == note] == []


def test_retention_is_at_least_one_day():
    with pytest.raises(ValidationError, match="retention_days"):
        Settings(_env_file=None, retention_days=0)
    assert Settings(_env_file=None).retention_days == 90
