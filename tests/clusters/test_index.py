"""A process's cluster index answers as the database does, after its own and others' commits."""

import random

import pytest
from sqlalchemy import func, select

from jitasa.clusters import follow, grid
from jitasa.clusters import service as clusters
from jitasa.clusters.models import MapCellChange
from jitasa.core.db import create_session_factory
from jitasa.help_requests.map_layer import REQUESTS, map_item
from jitasa.map import registry
from tests.factories import make_user
from tests.help_requests.helpers import make_request

BOXES = [(97.0, 5.0, 106.0, 21.0), (98.9, 18.7, 99.1, 18.9), (98.98, 18.78, 99.0, 18.8)]
FILTERS = [
    {},
    {"status": ["open"]},
    {"category": ["oxygen", "medicine"], "urgency": ["red", "normal"]},
]


def _shape(found) -> list[tuple]:
    """Return what a map answer shows of clusters: cell, count, centroid, counts by value."""
    return [
        (c.x, c.y, c.count, c.lat, c.lon, [dict(sorted(v.items())) for v in c.by_value])
        for c in found
    ]


async def same_as_database(session, index) -> int:
    """Assert the index answers every box, zoom and filter as the database; return items seen."""
    seen = 0
    for bbox in BOXES:
        for zoom in (5, 9, 12, 14, 16):
            level = grid.level_for(bbox, zoom)
            for filters in FILTERS:
                asked = {"layer": REQUESTS, "bbox": bbox, "level": level, "filters": filters}
                stored = await clusters.clusters(session, **asked)
                held = await clusters.clusters(session, **asked, index=index)
                assert _shape(held) == _shape(stored), (bbox, zoom, filters)
                seen += sum(c.count for c in held)
    return seen


async def _some_requests(session, rng: random.Random, number: int) -> list:
    """Create requests around Chiang Mai, some on one pin."""
    requester = await make_user(session)
    made = []
    for index in range(number):
        lat, lon = rng.uniform(18.70, 18.90), rng.uniform(98.90, 99.10)
        if index % 4 == 0:
            lat, lon = 18.7883, 98.9853
        category, urgency = rng.choice([("oxygen", "red"), ("food_supplies", "normal")])
        made.append(
            await make_request(
                session, requester=requester, lat=lat, lon=lon, category=category, urgency=urgency
            )
        )
    return made


@pytest.fixture
def read_sessions(engine):
    """Read sessions, as a process's index uses."""
    return create_session_factory(engine, mode="read")


async def test_the_index_sees_its_own_writes_at_once(session, read_sessions):
    follower = follow.Follower(registry.index_widths)
    await follower.ensure(read_sessions)
    await _some_requests(session, random.Random(3), 12)
    # No poll: the commits themselves added their changes.
    assert await same_as_database(session, follower.current()) > 0


async def test_the_index_sees_another_process_writes_after_a_poll(session, read_sessions):
    elsewhere = follow.Follower(registry.index_widths, local=False)
    await elsewhere.ensure(read_sessions)
    made = await _some_requests(session, random.Random(5), 10)
    held = await clusters.clusters(
        session, layer=REQUESTS, bbox=BOXES[0], level=9, index=elsewhere.current()
    )
    assert sum(c.count for c in held) == 0  # not told yet
    told = []
    elsewhere.changed.append(told.append)
    async with read_sessions() as reading:
        await elsewhere.poll(reading)
    assert told == [{"requests"}]
    assert await same_as_database(session, elsewhere.current()) > 0
    # A change of status moves the counts; the next poll brings it too, once.
    before = map_item(made[0])
    made[0].status = "cancelled"
    clusters.move(session, before, map_item(made[0]))
    await session.commit()
    for _ in range(2):
        async with read_sessions() as reading:
            await elsewhere.poll(reading)
    await same_as_database(session, elsewhere.current())


async def test_a_rolled_back_change_reaches_no_index(session, read_sessions, engine):
    here = follow.Follower(registry.index_widths)
    elsewhere = follow.Follower(registry.index_widths, local=False)
    await here.ensure(read_sessions)
    await elsewhere.ensure(read_sessions)
    made = await _some_requests(session, random.Random(7), 4)
    async with read_sessions() as reading:
        await elsewhere.poll(reading)
    logged = await session.scalar(select(func.count()).select_from(MapCellChange))
    async with create_session_factory(engine)() as writing:
        clusters.count(writing, map_item(made[1]), +1)
        await writing.run_sync(clusters.apply_pending)  # written inside the transaction...
        await writing.rollback()  # ...and undone
    assert await session.scalar(select(func.count()).select_from(MapCellChange)) == logged
    async with read_sessions() as reading:
        await elsewhere.poll(reading)
    assert await same_as_database(session, here.current()) > 0
    assert await same_as_database(session, elsewhere.current()) > 0


async def test_a_recount_makes_the_index_read_the_counts_again(session, read_sessions):
    here = follow.Follower(registry.index_widths)
    await here.ensure(read_sessions)
    await _some_requests(session, random.Random(9), 3)
    await clusters.recount(session, REQUESTS)
    await session.commit()
    assert here.current() is None  # stale: the map reads the database meanwhile
    async with read_sessions() as reading:
        here.drop()
        await here.build(reading)
    assert await same_as_database(session, here.current()) > 0


async def test_a_drop_during_a_build_voids_it(session, read_sessions):
    """Tests empty the tables and drop the index while a page's answer may be building it: that
    build read the rows before, and their change ids, which an emptied log hands out again."""
    await _some_requests(session, random.Random(11), 3)
    here = None

    def widths_after_a_drop() -> dict[str, int]:  # called by the build after its snapshot
        here.drop()
        return registry.index_widths()

    here = follow.Follower(widths_after_a_drop)
    await here.ensure(read_sessions)
    assert here.current() is None  # void: the map reads the database
    here.widths = registry.index_widths
    await here.ensure(read_sessions)  # the next answer builds it again, whole
    assert await same_as_database(session, here.current()) > 0
