"""The requests' tallies are exact: after any mix of writes they equal a recount from scratch."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from jitasa.accounts.models import User
from jitasa.accounts.policy import ClaimLimits
from jitasa.core.db import create_session_factory, utcnow
from jitasa.help_requests import bulk, jobs, lifecycle, tally
from jitasa.help_requests.models import HelpRequest, RequestTally
from jitasa.help_requests.states import Actor, CloseReason, Status
from tests.factories import make_user
from tests.help_requests.helpers import CHOM_THONG, make_request, volunteer
from tests.help_requests.test_bulk_create import rows_around_chiang_mai

KINDS = [("food_supplies", "urgent"), ("food_supplies", "normal"), ("oxygen", "red")]
KINDS += [("medicine", "yellow"), ("other", "normal")]


@pytest.fixture
async def writer(engine):
    """A session that writes in transactions (the tests' own session commits each statement)."""
    async with create_session_factory(engine)() as session:
        yield session


async def _kept(session) -> dict:
    """Return the tallies as they are, leaving out rows counting nothing."""
    rows = await session.scalars(select(RequestTally).where(RequestTally.count != 0))
    return {
        (r.depth, r.scope, r.incident_id, r.status, r.category, r.urgency, r.past_sla): r.count
        for r in rows
    }


async def _counted(session) -> dict:
    """Return the tallies counted again from the requests, in a transaction rolled back."""
    await tally.recount(session)
    counted = await _kept(session)
    await session.rollback()
    return counted


async def _move_on(session, created, helper, rng: random.Random) -> None:
    """Claim, resolve, release, close, and change kinds and places of many requests."""
    busy = ClaimLimits(verified_open=200, releases_per_hour=200)
    for help_request in created:
        roll = rng.random()
        if roll < 0.5:
            await lifecycle.claim(session, help_request=help_request, user=helper, limits=busy)
            if roll < 0.25:
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.RESOLVED
                )
            elif roll < 0.35:
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.OPEN, limits=busy
                )
        elif roll < 0.6:
            await lifecycle.transition(
                session,
                help_request=help_request,
                user=None,
                to=Status.CLOSED,
                reason=CloseReason.OUT_OF_SCOPE,
                actors={Actor.AREA_STAFF},
            )
        elif roll < 0.75:  # a staff member corrects the kind or the place through the ORM
            help_request.urgency = rng.choice(["urgent", "normal", "red"])
            help_request.area_code = rng.choice(["50", "5001", "500101", None])
        await session.commit()


async def test_kept_tallies_equal_a_recount_after_every_kind_of_write(writer):
    session = writer
    rng = random.Random(12)
    requester = await make_user(session)
    profile, _headers = await volunteer(session, service_radius_km=80)
    helper = await session.get(User, profile.user_id)
    helper_id = helper.id
    created = []
    for index in range(40):
        category, urgency = rng.choice(KINDS)
        place = CHOM_THONG if index % 3 == 0 else {"lat": rng.uniform(18.7, 18.9), "lon": 98.98}
        created.append(
            await make_request(
                session, requester=requester, category=category, urgency=urgency, **place
            )
        )
    report = await bulk.create_many(
        session,
        rows=rows_around_chiang_mai(25, seed=4),
        requester=requester,
        refresh_seconds=0,
        batch_size=10,
    )
    await session.commit()
    assert len(report.created_ids) == 25
    kept = await _kept(session)
    assert kept == await _counted(session)
    assert sum(n for key, n in kept.items() if key[0] == 0) == 65

    # Half the open requests are past their limit, flagged by the sweep in two runs.
    await jobs.flag_past_sla(session, now=utcnow() + timedelta(days=2), limit=10)
    await session.commit()
    await jobs.flag_past_sla(session, now=utcnow() + timedelta(days=2))
    await session.commit()
    flagged = await _kept(session)
    assert flagged == await _counted(session)
    assert any(key[6] == 1 for key in flagged)

    everything = list((await session.scalars(select(HelpRequest))).all())
    helper = await session.get(User, helper_id)  # the rollback above expired it
    await _move_on(session, everything, helper, rng)
    await jobs.expire(session, now=utcnow() + timedelta(days=30), limit=5)
    await session.commit()
    moved = await _kept(session)
    assert moved == await _counted(session)
    statuses = {key[3] for key in moved}
    assert statuses >= {"open", "claimed", "resolved", "closed", "expired"}
    assert moved != flagged


async def test_a_rolled_back_change_leaves_the_tallies_as_they_were(writer):
    session = writer
    help_request = await make_request(session)
    before = await _kept(session)
    help_request.urgency = "normal" if help_request.urgency != "normal" else "urgent"
    await session.flush()
    await session.rollback()
    assert await _kept(session) == before == await _counted(session)
