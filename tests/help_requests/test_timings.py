"""The requests' kept timings are exact: after any mix of writes they equal a recount from
scratch (waits to the first take and to resolution, requests posted and finished per day)."""

import random
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import insert, select

from jitasa.accounts.models import User
from jitasa.accounts.policy import ClaimLimits
from jitasa.areas import service as areas_service
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory, utcnow
from jitasa.core.words import Role
from jitasa.help_requests import assigning, bulk, jobs, lifecycle, timings
from jitasa.help_requests.models import (
    HelpRequest,
    RequestDay,
    RequestDuration,
    RequestDurationTotal,
    RequestEvent,
)
from jitasa.help_requests.states import FINAL, Actor, CloseReason, Status
from jitasa.incidents import service as incidents_service
from jitasa.migrate import alembic_config
from tests.factories import make_user
from tests.help_requests.helpers import CHOM_THONG, make_request, volunteer
from tests.help_requests.test_bulk_create import rows_around_chiang_mai

BUSY = ClaimLimits(verified_open=500, releases_per_hour=500)


@pytest.fixture
async def writer(engine):
    """A session that writes in transactions (the tests' own session commits each statement)."""
    async with create_session_factory(engine)() as session:
        yield session


async def _kept(session) -> dict:
    """Return the kept timings as they are, leaving out rows counting nothing."""
    found = {}
    for model, sums in (
        (RequestDay, ("posted", "finished")),
        (RequestDuration, ("count",)),
        (RequestDurationTotal, ("count",)),
    ):
        keys = [c.name for c in model.__table__.primary_key.columns]
        for row in await session.scalars(select(model)):
            values = tuple(getattr(row, name) for name in sums)
            if any(values):
                found[(model.__tablename__, *(getattr(row, k) for k in keys))] = values
    return found


async def _counted(session) -> dict:
    """Return the kept timings counted again from the requests, in a transaction rolled back."""
    await timings.recount(session)
    counted = await _kept(session)
    await session.rollback()
    return counted


async def _move_on(session, requests, helper, staff, profile_id, rng: random.Random) -> None:
    """Claim, assign, resolve, release, close, and correct places, posting times and takes."""
    for help_request in requests:
        roll = rng.random()
        if roll < 0.4:
            if roll < 0.1:
                await assigning.assign(
                    session, help_request=help_request, staff=staff, volunteer_id=profile_id
                )
            else:
                await lifecycle.claim(session, help_request=help_request, user=helper, limits=BUSY)
            if roll < 0.25:
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.RESOLVED
                )
            elif roll < 0.32:  # released: its second take is not its first
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.OPEN, limits=BUSY
                )
                await lifecycle.claim(session, help_request=help_request, user=helper, limits=BUSY)
        elif roll < 0.5:
            await lifecycle.transition(
                session,
                help_request=help_request,
                user=None,
                to=Status.CLOSED,
                reason=CloseReason.OUT_OF_SCOPE,
                actors={Actor.AREA_STAFF},
            )
        elif roll < 0.65:  # a staff member corrects the place or the posting time (ORM)
            help_request.area_code = rng.choice(["50", "5001", "500101", None])
            help_request.created_at -= timedelta(days=rng.uniform(0, 40))
        elif roll < 0.75:  # a take written straight onto the timeline, earlier than any other
            session.add(
                RequestEvent(
                    request_id=help_request.id,
                    kind=rng.choice(timings.TAKES),
                    actor_id=helper.id,
                    at=utcnow() - timedelta(hours=rng.uniform(0, 30)),
                )
            )
        await session.commit()


async def _takes_corrected(session, rng: random.Random) -> None:
    """Move some takes in time, turn one into another kind, and delete some (ORM)."""
    entries = list(
        await session.scalars(select(RequestEvent).where(RequestEvent.kind.in_(timings.TAKES)))
    )
    for entry in entries:
        roll = rng.random()
        if roll < 0.2:
            entry.at -= timedelta(minutes=rng.uniform(0, 3000))
        elif roll < 0.25:
            entry.kind = "note"
        elif roll < 0.3:
            await session.delete(entry)
    await session.commit()


async def test_kept_timings_equal_a_recount_after_every_kind_of_write(writer):
    session = writer
    rng = random.Random(26)
    requester = await make_user(session)
    profile, _headers = await volunteer(session, service_radius_km=80)
    profile_id, helper_id = profile.id, profile.user_id
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    staff_id = staff.id
    for index in range(40):
        place = CHOM_THONG if index % 3 == 0 else {"lat": rng.uniform(18.7, 18.9), "lon": 98.98}
        await make_request(session, requester=requester, **place)
    report = await bulk.create_many(
        session,
        rows=rows_around_chiang_mai(25, seed=5),
        requester=requester,
        refresh_seconds=0,
        batch_size=10,
    )
    await session.commit()
    assert len(report.created_ids) == 25
    posted = await _kept(session)
    assert posted == await _counted(session)
    assert sum(v[0] for k, v in posted.items() if k[0] == "help_request_days" and k[1] == 0) == 65

    everything = list((await session.scalars(select(HelpRequest))).all())
    helper, staff = await session.get(User, helper_id), await session.get(User, staff_id)
    await _move_on(session, everything, helper, staff, profile_id, rng)
    await jobs.expire(session, now=utcnow() + timedelta(days=30), limit=5)
    await session.commit()
    moved = await _kept(session)
    assert moved == await _counted(session)
    measures = {k[4] for k in moved if k[0] == "help_request_durations"}
    assert measures == {timings.CLAIM, timings.RESOLVE}
    assert any(v[1] for k, v in moved.items() if k[0] == "help_request_days")  # finished ones

    await _takes_corrected(session, rng)
    corrected = await _kept(session)
    assert corrected == await _counted(session)
    assert corrected != moved


async def test_a_rolled_back_change_leaves_the_timings_as_they_were(writer):
    session = writer
    help_request = await make_request(session)
    profile, _headers = await volunteer(session)
    helper = await session.get(User, profile.user_id)
    before = await _kept(session)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    help_request.created_at -= timedelta(days=2)
    await session.flush()
    await session.rollback()
    assert await _kept(session) == before == await _counted(session)


@pytest.mark.parametrize(
    ("waited", "kept"),
    [
        (timedelta(seconds=59.999999), 0),
        (timedelta(minutes=5), 5),
        (timedelta(minutes=999, seconds=59), 999),
        (timedelta(minutes=1_234), 1_230),
        (timedelta(minutes=12_345), 12_300),
        (timedelta(minutes=123_456), 123_000),
        (timedelta(seconds=-1), -1),
        (timedelta(minutes=-1_234, seconds=-30), -1_230),
    ],
)
def test_waits_are_kept_in_whole_minutes_to_three_significant_figures(waited, kept):
    assert timings.kept_minutes(waited) == kept


async def test_migration_0026_fills_the_kept_timings_from_stored_requests(
    tmp_path, fresh_database_url
):
    engine = create_engine(
        Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    )
    config = alembic_config()

    def to(revision: str):
        def run(connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        return run

    async with engine.begin() as connection:
        await connection.run_sync(to("0025"))
    async with create_session_factory(engine)() as session:
        await areas_service.sync_from_geothai(session)
        await incidents_service.ensure_default(session)
        incident_id = (await incidents_service.default_incident(session)).id
        await session.commit()
    rng, now = random.Random(9), utcnow()
    requests, takes = [], []
    for number in range(1, 61):
        created = now - timedelta(minutes=rng.uniform(0, 60 * 24 * 90))
        status = rng.choice(list(Status))
        ended = created + timedelta(minutes=rng.uniform(0, 20_000))
        requests.append(
            {
                "id": number,
                "code": f"JT-M{number:04d}",
                "incident_id": incident_id,
                "category": "food_supplies",
                "urgency": "urgent",
                "status": status,
                "lat": 18.79,
                "lon": 98.98,
                "public_lat": 18.79,
                "public_lon": 98.98,
                "area_code": rng.choice(["5001", "5002", "1001", None]),
                "created_at": created,
                "updated_at": created,
                "closed_at": ended if status in FINAL else None,
            }
        )
        for _ in range(rng.choice([0, 1, 2])):
            at = created + timedelta(minutes=rng.uniform(-5, 30_000))
            takes.append({"request_id": number, "kind": rng.choice(timings.TAKES), "at": at})
    async with engine.begin() as connection:
        await connection.execute(insert(HelpRequest.__table__), requests)
        await connection.execute(insert(RequestEvent.__table__), takes)
        await connection.run_sync(to("head"))
    async with create_session_factory(engine)() as session:
        filled = await _kept(session)
        assert filled == await _counted(session)
        posted = sum(v[0] for k, v in filled.items() if k[0] == "help_request_days" and k[1] == 0)
        assert posted == 60
        claims = sum(
            v[0] for k, v in filled.items() if k[0] == "help_request_duration_totals" and k[1] == 0
            and k[3] == timings.CLAIM
        )  # fmt: skip
        assert claims == len({t["request_id"] for t in takes})
    await engine.dispose()
