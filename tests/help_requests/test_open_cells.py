"""Nearby's cell counts are exact: after any mix of writes they equal a recount from scratch,
and the migration that adds them counts the requests already stored."""

import random
from datetime import timedelta

import pytest
from alembic import command
from sqlalchemy import select

from jitasa.accounts.models import User
from jitasa.accounts.policy import ClaimLimits
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory, utcnow
from jitasa.core.words import Role
from jitasa.help_requests import bulk, jobs, lifecycle, open_cells
from jitasa.help_requests.models import HelpRequest, OpenCell
from jitasa.help_requests.states import Actor, CloseReason, Status
from jitasa.migrate import alembic_config, upgrade
from tests.factories import make_user
from tests.help_requests.helpers import CHOM_THONG, make_request, volunteer
from tests.help_requests.test_bulk_create import rows_around_chiang_mai


@pytest.fixture
async def writer(engine):
    """A session that writes in transactions (the tests' own session commits each statement)."""
    async with create_session_factory(engine)() as session:
        yield session


async def _kept(session) -> dict:
    """Return the cell counts as they are, leaving out cells counting nothing."""
    rows = await session.scalars(select(OpenCell).where(OpenCell.count != 0))
    return {(r.y, r.x): r.count for r in rows}


async def _counted(session) -> dict:
    """Return the cell counts counted again from the requests, in a transaction rolled back."""
    await open_cells.recount(session)
    counted = await _kept(session)
    await session.rollback()
    return counted


async def _open_pins(session) -> int:
    """Return how many open requests there are."""
    statuses = await session.scalars(select(HelpRequest.status))
    return sum(status == Status.OPEN for status in statuses)


async def test_kept_cells_equal_a_recount_after_every_kind_of_write(writer):
    session = writer
    rng = random.Random(5)
    requester = await make_user(session)
    profile, _headers = await volunteer(session, service_radius_km=80)
    helper = await session.get(User, profile.user_id)
    staff = await make_user(session, roles=[Role.ADMIN])
    helper_id, staff_id = helper.id, staff.id
    created = [
        await make_request(session, requester=requester, **place)
        for place in [CHOM_THONG] * 3 + [{"lat": 18.7 + 0.01 * i, "lon": 98.98} for i in range(9)]
    ]
    await bulk.create_many(
        session,
        rows=rows_around_chiang_mai(16, seed=2),
        requester=requester,
        refresh_seconds=0,
        batch_size=5,
    )
    await session.commit()
    kept = await _kept(session)
    assert kept == await _counted(session)
    assert sum(kept.values()) == await _open_pins(session) == 28

    created = list((await session.scalars(select(HelpRequest).order_by(HelpRequest.id))).all())
    helper, staff = await session.get(User, helper_id), await session.get(User, staff_id)
    busy = ClaimLimits(verified_open=200, releases_per_hour=200)
    for index, help_request in enumerate(created):
        if index % 4 == 0:  # claimed, then released: open again (bulk statements)
            await lifecycle.claim(session, help_request=help_request, user=helper, limits=busy)
            if index % 8 == 0:
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.OPEN, limits=busy
                )
        elif index % 4 == 1:
            await lifecycle.transition(
                session,
                help_request=help_request,
                user=None,
                to=Status.CLOSED,
                reason=CloseReason.OUT_OF_SCOPE,
                actors={Actor.AREA_STAFF},
            )
        elif index % 4 == 2:  # a status set through the ORM, as a test or a script would
            help_request.status = rng.choice([Status.RESOLVED, Status.OPEN])
        await session.commit()
    await lifecycle.merge(session, duplicate=created[3], keep=created[7], staff=staff)
    await session.commit()
    await session.delete(created[11])  # a deleted open request leaves its cell
    await session.commit()
    await jobs.expire(session, now=utcnow() + timedelta(days=30), limit=4)
    await session.commit()
    moved = await _kept(session)
    assert moved == await _counted(session)
    assert sum(moved.values()) == await _open_pins(session) < 28


async def test_a_rolled_back_change_leaves_the_cells_as_they_were(writer):
    session = writer
    help_request = await make_request(session)
    cell = open_cells.cell_of(help_request.public_lat, help_request.public_lon)
    before = await _kept(session)
    help_request.status = Status.CANCELLED
    await session.flush()
    await session.rollback()
    assert await _kept(session) == before == await _counted(session) == {cell: 1}


async def test_the_migration_counts_the_requests_already_stored(tmp_path, fresh_database_url):
    engine = create_engine(
        Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    )
    await upgrade(engine)
    async with create_session_factory(engine)() as session:
        for index in range(6):
            place = {"lat": 18.7012 + 0.01 * index, "lon": 98.9812, "area_code": "50"}
            help_request = await make_request(session, **place)
            if index % 3 == 0:
                help_request.status = Status.CANCELLED
                await session.commit()
        await make_request(session, **CHOM_THONG, area_code="50")
        await make_request(session, **CHOM_THONG, area_code="50")
        expected = await _kept(session)
    config = alembic_config()

    def to(revision: str, *, down: bool = False):
        def run(connection) -> None:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)

        return run

    async with engine.begin() as connection:
        await connection.run_sync(to("0029-1", down=True))  # the cells' table is gone …
        await connection.run_sync(to("head"))  # … and made again from the requests
    async with create_session_factory(engine)() as session:
        assert await _kept(session) == expected == await _counted(session)
        assert sorted(expected.values()) == [1, 1, 1, 1, 2]
    await engine.dispose()
