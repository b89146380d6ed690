"""Shared commits: a burst of units commits together; a failing unit fails only itself."""

import asyncio

import pytest
from sqlalchemy import event, func, select

from jitasa.clusters import service as clusters
from jitasa.clusters.models import MapCell
from jitasa.core import events
from jitasa.core.db import create_session_factory
from jitasa.core.errors import Conflict
from jitasa.core.events import OutboxEvent
from jitasa.core.idempotency import IdempotentResponse
from jitasa.core.shared_commits import SharedCommits
from jitasa.help_requests.map_layer import REQUESTS

BURST = 8
FAILING = 4  # the fifth unit raises after writing a row, a map count and an event
PIN = {"province_code": "50", "lat": 18.79, "lon": 98.99}
ITEM = REQUESTS.item(**PIN, category="food_supplies", urgency="urgent", status="open")


def unit(number: int):
    """Return a unit that writes a row, counts one map item and records an event."""

    async def work(session) -> int:
        session.add(
            IdempotentResponse(
                key=f"k{number}", scope="burst", body_hash="h", status_code=201, body="{}"
            )
        )
        clusters.count(session, ITEM, +1)
        events.record(session, kind="burst", area_code=None, lat=None, lon=None, public={}, full={})
        await session.flush()
        if number == FAILING:
            raise Conflict("burst.refused", "Unit {number} refuses.", {"number": number})
        return number

    return work


@pytest.fixture
def commits(engine):
    """Count the commits the engine sends while a test runs."""
    sent: list[int] = []

    def count(_connection) -> None:
        sent.append(1)

    event.listen(engine.sync_engine, "commit", count)
    yield sent
    event.remove(engine.sync_engine, "commit", count)


async def test_a_burst_commits_together_and_a_failing_unit_fails_alone(engine, session, commits):
    shared = SharedCommits(create_session_factory(engine), share=True)
    outcomes = await asyncio.gather(
        *(shared.run(unit(n)) for n in range(BURST)), return_exceptions=True
    )
    committed = len(commits)
    assert [o for o in outcomes if isinstance(o, Conflict)] == [outcomes[FAILING]]
    assert [o for o in outcomes if not isinstance(o, Exception)] == [
        n for n in range(BURST) if n != FAILING
    ]
    # The first unit found nobody waiting and committed alone; the rest gathered meanwhile,
    # one was refused, and the others then committed each alone (never in savepoints).
    assert committed == 1 + (BURST - 2)
    keys = set(await session.scalars(select(IdempotentResponse.key)))
    assert keys == {f"k{n}" for n in range(BURST) if n != FAILING}
    national = await session.scalar(
        select(MapCell.count).where(MapCell.level == 0, MapCell.province_code == "")
    )
    assert national == BURST - 1  # the failed unit's pending count was not applied
    kinds = await session.scalar(select(func.count()).where(OutboxEvent.kind == "burst"))
    assert kinds == BURST - 1


async def test_a_burst_that_all_goes_well_commits_twice(engine, session, commits):
    shared = SharedCommits(create_session_factory(engine), share=True)
    outcomes = await asyncio.gather(*(shared.run(unit(n)) for n in range(BURST) if n != FAILING))
    assert outcomes == [n for n in range(BURST) if n != FAILING]
    # The first unit found nobody waiting and committed alone; the rest gathered meanwhile.
    assert len(commits) == 2


async def test_unshared_units_commit_one_by_one(engine, session, commits):
    shared = SharedCommits(create_session_factory(engine), share=False)
    outcomes = await asyncio.gather(
        *(shared.run(unit(n)) for n in range(3)), return_exceptions=True
    )
    assert (outcomes, len(commits)) == ([0, 1, 2], 3)
    assert await session.scalar(select(func.count()).select_from(IdempotentResponse)) == 3
