"""The kept actors of each Bangkok day equal a recount from the timeline after any mix of
writes (claims, assignments, moves, imports, entries added, moved, handed to another actor or
removed, requests removed, anonymisation), and a rolled-back change leaves them as they were."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from jitasa.accounts.models import User
from jitasa.accounts.policy import ClaimLimits
from jitasa.core.db import create_session_factory, utcnow
from jitasa.core.thai import BANGKOK
from jitasa.core.words import Role
from jitasa.help_requests import actor_days, assigning, bulk, jobs, lifecycle
from jitasa.help_requests.models import ActorDay, HelpRequest, RequestEvent
from jitasa.help_requests.states import Status
from tests.factories import make_user
from tests.help_requests.helpers import make_request, volunteer
from tests.help_requests.test_bulk_create import rows_around_chiang_mai

BUSY = ClaimLimits(verified_open=500, releases_per_hour=500)


@pytest.fixture
async def writer(engine):
    """A session that writes in transactions (the tests' own session commits each statement)."""
    async with create_session_factory(engine)() as session:
        yield session


async def _kept(session) -> set:
    """Return the kept (day, actor) rows as they are."""
    return set((await session.execute(select(ActorDay.day, ActorDay.actor_id))).all())


async def _timeline(session) -> set:
    """Return the (Bangkok day, actor) of every timeline entry that has an actor, counted here."""
    rows = await session.execute(select(RequestEvent.at, RequestEvent.actor_id))
    return {(at.astimezone(BANGKOK).date(), actor) for at, actor in rows if actor is not None}


async def _recounted(session) -> set:
    """Return the rows `actor_days.recount` builds, in a transaction rolled back."""
    await actor_days.recount(session)
    counted = await _kept(session)
    await session.rollback()
    return counted


async def _check(session) -> set:
    kept = await _kept(session)
    assert kept == await _timeline(session) == await _recounted(session)
    return kept


async def test_kept_actor_days_equal_the_timeline_after_every_kind_of_write(writer):
    session, rng = writer, random.Random(31)
    requester = await make_user(session)
    helpers = []
    for _ in range(3):
        profile, _headers = await volunteer(session, service_radius_km=80)
        helpers.append((profile.id, profile.user_id))
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    staff_id, requester_id = staff.id, requester.id
    for _ in range(30):
        await make_request(session, requester=requester)
    await bulk.create_many(
        session,
        rows=rows_around_chiang_mai(10, seed=3),
        requester=requester,
        refresh_seconds=0,
        batch_size=5,
    )
    await session.commit()
    assert (utcnow().astimezone(BANGKOK).date(), requester_id) in await _check(session)

    for help_request in list((await session.scalars(select(HelpRequest))).all()):
        profile_id, user_id = rng.choice(helpers)
        helper = await session.get(User, user_id)
        roll = rng.random()
        if roll < 0.3:
            await lifecycle.claim(session, help_request=help_request, user=helper, limits=BUSY)
            if roll < 0.15:
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.RESOLVED
                )
        elif roll < 0.4:
            staff = await session.get(User, staff_id)
            await assigning.assign(
                session, help_request=help_request, staff=staff, volunteer_id=profile_id
            )
        elif roll < 0.7:  # an entry written onto the timeline days ago (ORM)
            session.add(
                RequestEvent(
                    request_id=help_request.id,
                    kind="note",
                    actor_id=user_id,
                    at=utcnow() - timedelta(hours=rng.uniform(0, 24 * 5)),
                )
            )
        await session.commit()
    moved = await _check(session)
    assert len({actor for _day, actor in moved}) >= 4

    # Entries moved in time, handed to another actor, removed; requests removed with theirs.
    for entry in list((await session.scalars(select(RequestEvent))).all()):
        roll = rng.random()
        if roll < 0.2:
            entry.at -= timedelta(hours=rng.uniform(0, 72))
        elif roll < 0.3:
            entry.actor_id = rng.choice(helpers)[1]
        elif roll < 0.4:
            await session.delete(entry)
    await session.commit()
    corrected = await _check(session)
    assert corrected != moved
    for help_request in list((await session.scalars(select(HelpRequest).limit(5))).all()):
        await session.delete(help_request)
    await session.commit()
    await _check(session)

    # Anonymisation takes the requester's own entries from them.
    await session.execute(
        HelpRequest.__table__.update()
        .where(HelpRequest.status == Status.RESOLVED)
        .values(closed_at=utcnow() - timedelta(days=100))
    )
    await session.commit()
    assert await jobs.anonymise_closed(session, now=utcnow(), retention_days=90) > 0
    await session.commit()
    await _check(session)


async def test_a_rolled_back_change_leaves_the_actor_days_as_they_were(writer):
    session = writer
    help_request = await make_request(session)
    profile, _headers = await volunteer(session)
    helper = await session.get(User, profile.user_id)
    request_id, helper_id = help_request.id, helper.id
    before = await _kept(session)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    session.add(
        RequestEvent(
            request_id=help_request.id,
            kind="note",
            actor_id=helper.id,
            at=utcnow() - timedelta(days=3),
        )
    )
    await session.flush()
    await session.rollback()
    assert await _kept(session) == before == await _timeline(session)
    help_request = await session.get(HelpRequest, request_id)
    helper = await session.get(User, helper_id)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    await session.commit()
    assert await _kept(session) == before | {(utcnow().astimezone(BANGKOK).date(), helper_id)}
