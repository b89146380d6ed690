"""Periodic jobs: escalation past the SLA, stale claims, expiry, anonymisation, the runner."""

import asyncio
import contextlib
import json
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from typer.testing import CliRunner

from jitasa import geo
from jitasa import jobs as runner
from jitasa.accounts.models import Role, User
from jitasa.cli import app as cli_app
from jitasa.config import Settings, get_settings
from jitasa.db import create_engine, create_session_factory, transaction, utcnow
from jitasa.help_requests import jobs, lifecycle
from jitasa.help_requests import service as requests_service
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestCreate
from jitasa.help_requests.states import Actor, Status
from jitasa.i18n import thai
from jitasa.incidents.models import Category, Incident
from jitasa.main import create_app
from jitasa.observability import configure_logging
from tests.factories import make_user

MUEANG_CHIANG_MAI = {"lat": 18.7883, "lon": 98.9853}
PHONE = "+66812345678"


async def new_request(session: AsyncSession, **fields: object) -> HelpRequest:
    """Create and commit an open request in Chiang Mai through the service."""
    requester = await make_user(session)
    body = {
        "category": "food_supplies",
        "urgency": "urgent",
        **MUEANG_CHIANG_MAI,
        "address_text": "12 Moo 3, near the temple",
        "description": "Grandmother cannot walk, no rice left",
        "contact_name": "Somchai Jaidee",
        "contact_phone": PHONE,
        **fields,
    }
    if body["category"] == "medical_help":
        body["consent"] = True
    help_request = await requests_service.create(
        session, request_in=HelpRequestCreate(**body), requester=requester, refresh_seconds=0
    )
    await session.commit()
    return help_request


async def claimed_request(session: AsyncSession) -> HelpRequest:
    """Create a request and have a volunteer claim it."""
    help_request = await new_request(session)
    volunteer = await make_user(session, roles=[Role.VOLUNTEER])
    await lifecycle.claim(session, help_request=help_request, user=volunteer)
    await session.commit()
    return help_request


async def age(session: AsyncSession, help_request: HelpRequest, **ages: timedelta) -> None:
    """Move a request's timestamps (created_at, updated_at, closed_at…) that far into the past."""
    now = utcnow()
    await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == help_request.id)
        .values({column: now - ago for column, ago in ages.items()})
    )
    await session.commit()


async def run_job(engine: AsyncEngine, job, **arguments) -> int:
    """Run one job now in its own committed transaction, as the runner does."""
    async with transaction(create_session_factory(engine)) as session:
        return await job(session, now=utcnow(), **arguments)


async def reload(session: AsyncSession, help_request: HelpRequest) -> HelpRequest:
    """Read a request again from the database."""
    await session.refresh(help_request)
    return help_request


async def events_of(session: AsyncSession, help_request: HelpRequest, kind: str | None = None):
    """Return a request's timeline entries (of one kind), oldest first."""
    request_id = inspect(help_request).identity[0]  # even when expired, without a query
    statement = select(RequestEvent).where(RequestEvent.request_id == request_id)
    if kind:
        statement = statement.where(RequestEvent.kind == kind)
    session.expire_all()
    return list(await session.scalars(statement.order_by(RequestEvent.id)))


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
    assert "15-minute" in escalated.note
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
    assert "flagged for release" in flagged.note
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


async def test_run_once_runs_every_job_and_returns_the_counts(session, engine, settings):
    overdue = await new_request(session, category="medical_help", urgency="red")
    await age(session, overdue, created_at=timedelta(minutes=20))
    stale = await claimed_request(session)
    await age(session, stale, updated_at=timedelta(hours=50))
    forgotten = await new_request(session)
    await age(session, forgotten, created_at=timedelta(days=4), updated_at=timedelta(days=4))
    closed = await new_request(session)
    await lifecycle.transition(
        session, help_request=closed, user=None, to=Status.EXPIRED, actors={Actor.SYSTEM}
    )
    await session.commit()
    await age(session, closed, closed_at=timedelta(days=100))

    counts = await runner.run_once(create_session_factory(engine), settings=settings)

    # The forgotten request expires before escalation runs, so it is not escalated as well.
    assert counts == {
        "expired": 1,
        "past_sla": 1,
        "stale_claims": 1,
        "anonymised": 1,
        "idempotency_purged": 0,
        "events_purged": 0,
    }
    assert await events_of(session, forgotten, "escalated") == []
    assert await runner.run_once(
        create_session_factory(engine), settings=settings
    ) == dict.fromkeys(counts, 0)


async def test_runner_survives_a_failing_job_and_still_runs_the_others(
    session, engine, settings, monkeypatch
):
    failures = []

    async def broken_job(_session, *, now, limit=None):
        failures.append(now)
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(jobs, "flag_past_sla", broken_job)
    forgotten = await new_request(session)
    await age(session, forgotten, updated_at=timedelta(days=4))
    session_factory = create_session_factory(engine)

    with pytest.raises(ExceptionGroup):
        await runner.run_once(session_factory, settings=settings)
    assert (await reload(session, forgotten)).status == Status.EXPIRED

    loop = asyncio.create_task(
        runner.run_forever(session_factory, settings=settings, interval=0.01)
    )
    for _ in range(500):
        if len(failures) >= 3:
            break
        await asyncio.sleep(0.01)
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    assert len(failures) >= 3


async def test_racing_runners_flag_each_request_exactly_once(session, settings, monkeypatch):
    # Small batches make the two runners' transactions interleave, row locks and all.
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    overdue = [await new_request(session, category="medical_help", urgency="red") for _ in range(7)]
    for help_request in overdue:
        await age(session, help_request, created_at=timedelta(minutes=30))
    engines = [create_engine(settings), create_engine(settings)]
    try:
        counts = await asyncio.gather(
            *(runner.run_once(create_session_factory(e), settings=settings) for e in engines)
        )
    finally:
        for racing_engine in engines:
            await racing_engine.dispose()

    assert sum(count["past_sla"] for count in counts) == len(overdue)
    for help_request in overdue:
        assert len(await events_of(session, help_request, "escalated")) == 1


async def test_web_process_runs_the_jobs_in_the_background_until_shutdown(session, settings):
    overdue = await new_request(session, category="medical_help", urgency="red")
    await age(session, overdue, created_at=timedelta(minutes=20))
    web = create_app(settings.model_copy(update={"jobs_interval_seconds": 0.05}))

    async with web.router.lifespan_context(web):
        assert any(task.get_name() == "jitasa-jobs" for task in asyncio.all_tasks())
        for _ in range(200):
            if (await reload(session, overdue)).sla_breached_at is not None:
                break
            await asyncio.sleep(0.05)
        assert (await reload(session, overdue)).sla_breached_at is not None

    assert not any(task.get_name() == "jitasa-jobs" for task in asyncio.all_tasks())


async def test_jobs_interval_zero_starts_no_background_runner(settings):
    web = create_app(settings)  # the test run's settings say 0

    async with web.router.lifespan_context(web):
        assert not any(task.get_name() == "jitasa-jobs" for task in asyncio.all_tasks())


def test_every_job_note_has_a_thai_translation():
    untranslated = [note for note in jobs.NOTES.values() if thai(note) == note]
    assert not untranslated


def test_retention_is_at_least_one_day():
    with pytest.raises(ValidationError, match="retention_days"):
        Settings(_env_file=None, retention_days=0)
    assert Settings(_env_file=None).retention_days == 90


@pytest.fixture
async def overdue_request(session) -> HelpRequest:
    """A red request left open for 20 minutes, in the test run's database."""
    help_request = await new_request(session, category="medical_help", urgency="red")
    await age(session, help_request, created_at=timedelta(minutes=20))
    return help_request


@pytest.fixture
def configured(monkeypatch, settings, tmp_path):
    """Point the command line at the test run's database through JITASA_* variables."""
    monkeypatch.setenv("JITASA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JITASA_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    configure_logging(settings)  # the command pointed the logs at the runner's captured stderr


def test_worker_once_runs_every_job_and_exits_0(overdue_request, configured):
    result = CliRunner().invoke(cli_app, ["worker", "--once"])

    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts == {
        "expired": 0,
        "past_sla": 1,
        "stale_claims": 0,
        "anonymised": 0,
        "idempotency_purged": 0,
        "events_purged": 0,
    }
