"""A facility's kept beds (in all and free, by colour) equal its capacity rows after any mix of
writes, and a rolled-back change leaves them as they were."""

import random

import pytest
from sqlalchemy import select

from jitasa.core.db import create_session_factory
from jitasa.core.errors import DomainError
from jitasa.facilities import beds, service
from jitasa.facilities.models import Facility
from jitasa.facilities.schemas import CapacityIn
from jitasa.facilities.words import BED_RESOURCES
from tests.facilities.helpers import make_facility


@pytest.fixture
async def writer(engine):
    """A session that writes in transactions (the tests' own session commits each statement)."""
    async with create_session_factory(engine)() as session:
        yield session


async def _kept_and_counted(session) -> tuple[dict, dict]:
    """Return every facility's kept beds, and the same counted from its capacity rows."""
    kept, counted = {}, {}
    for facility in await session.scalars(
        select(Facility).execution_options(populate_existing=True)
    ):
        await session.refresh(facility, ["capacity"])
        rows = {c.resource: c for c in facility.capacity}
        for colour, resource in BED_RESOURCES.items():
            row = rows.get(resource)
            kept[(facility.id, colour)] = (
                getattr(facility, f"beds_{colour}"),
                getattr(facility, f"free_{colour}"),
            )
            counted[(facility.id, colour)] = (row.total, row.available) if row else (0, 0)
    return kept, counted


async def test_kept_beds_equal_the_capacity_rows_after_every_kind_of_write(writer):
    session, rng = writer, random.Random(31)
    ids = []
    for number in range(6):
        colours = rng.sample(list(BED_RESOURCES.values()), rng.randint(0, 3))
        made = await make_facility(
            session,
            name_th=f"ที่ {number}",
            beds={r: (t, rng.randint(0, t)) for r in colours for t in [rng.randint(0, 40)]},
        )
        ids.append(made.id)
    for _ in range(60):
        facility_id, colour = rng.choice(ids), rng.choice(list(BED_RESOURCES))
        roll = rng.random()
        try:
            if roll < 0.4:
                total = rng.randint(0, 30)
                update = {BED_RESOURCES[colour]: CapacityIn(total=total, available=total // 2)}
                await service.set_capacity(
                    session, facility_id=facility_id, update=update, actor_id=None, via="test"
                )
            elif roll < 0.7:
                await beds.reserve(session, facility_id=facility_id, colour=colour, actor_id=None)
            else:
                await beds.free(session, facility_id=facility_id, colour=colour, actor_id=None)
            await session.commit()
        except DomainError:  # no free bed, no beds of that colour: nothing changed
            await session.rollback()
    kept, counted = await _kept_and_counted(session)
    assert kept == counted
    assert any(total for total, _free in kept.values())


async def test_a_rolled_back_capacity_change_leaves_the_kept_beds_as_they_were(writer):
    session = writer
    made = await make_facility(session, beds={"beds_red": (10, 4)})
    before = await _kept_and_counted(session)
    update = {
        "beds_red": CapacityIn(total=20, available=9),
        "beds_green": CapacityIn(total=3, available=3),
    }
    await service.set_capacity(
        session, facility_id=made.id, update=update, actor_id=None, via="test"
    )
    await session.flush()
    await session.rollback()
    assert await _kept_and_counted(session) == before
    assert before[0] == before[1]
