"""The outbox read by many consumers: cursors, gaps of late commits, views per action, resets."""

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from jitasa.core import outbox
from jitasa.core.db import create_engine, create_session_factory, utcnow
from jitasa.core.events import OutboxCursor, OutboxEvent
from jitasa.core.words import Role
from jitasa.realtime import router
from jitasa.realtime.hub import Event, MemoryHub
from tests.factories import make_user, signed_in
from tests.help_requests.helpers import make_request
from tests.realtime.test_dispatcher import ROW, factories, record

FACILITY = {**ROW, "kind": "facility.updated"}


@pytest.fixture
async def own_engine(fresh_database_url, settings) -> AsyncIterator[AsyncEngine]:
    """A database of the test's own with only the outbox and its cursors."""
    engine = create_engine(settings.model_copy(update={"database_url": fresh_database_url}))
    async with engine.begin() as connection:
        await connection.run_sync(OutboxEvent.__table__.create)
        await connection.run_sync(OutboxCursor.__table__.create)
    yield engine
    await engine.dispose()


def collector(into: list[int]):
    """Return a consumer handler that notes the ids it is handed."""

    async def handle(rows) -> None:
        into.extend(row.id for row in rows)

    return handle


async def deliver(engine, consumer: str, into: list[int], batch_size: int = 100) -> int:
    """Run one consumer's delivery on the engine; return how many events it was handed."""
    return await outbox.deliver(
        *factories(engine), consumer, collector(into), batch_size=batch_size
    )


async def insert_with_id(engine, event_id: int) -> None:
    """Commit an event with a chosen id, as a transaction that took it earlier would, later."""
    async with create_session_factory(engine)() as session:
        await session.execute(
            insert(OutboxEvent).values(id=event_id, **ROW, at=utcnow(), public={}, full={})
        )
        await session.commit()


async def test_every_consumer_sees_every_event_and_none_twice(own_engine):
    ids = await record(own_engine, 30)
    realtime, notifications = [], []
    assert await deliver(own_engine, "realtime", realtime, batch_size=7) == 30
    assert await deliver(own_engine, "realtime", realtime) == 0
    assert await deliver(own_engine, "notifications", notifications, batch_size=4) == 30
    more = await record(own_engine, 2)
    assert await deliver(own_engine, "notifications", notifications) == 2
    assert await deliver(own_engine, "realtime", realtime) == 2
    assert realtime == notifications == ids + more


async def test_a_lower_id_committed_late_is_not_skipped(own_engine):
    for event_id in (1, 2, 4):
        await insert_with_id(own_engine, event_id)
    got: list[int] = []
    assert await deliver(own_engine, "realtime", got) == 3
    # Id 3 was taken by a transaction still open: the cursor remembers it as a gap.
    async with create_session_factory(own_engine)() as session:
        cursor = await session.get(OutboxCursor, "realtime")
        assert (cursor.last_event_id, set(cursor.gaps)) == (4, {"3"})
    await insert_with_id(own_engine, 3)
    assert await deliver(own_engine, "realtime", got) == 1
    assert got == [1, 2, 4, 3]
    async with create_session_factory(own_engine)() as session:
        assert (await session.get(OutboxCursor, "realtime")).gaps == {}


async def test_a_gap_nothing_fills_is_forgotten_after_the_window(own_engine):
    for event_id in (1, 3):
        await insert_with_id(own_engine, event_id)
    assert await deliver(own_engine, "realtime", []) == 2
    async with create_session_factory(own_engine)() as session:
        cursor = await session.get(OutboxCursor, "realtime")
        long_ago = utcnow() - timedelta(seconds=outbox.GAP_SECONDS + 1)
        cursor.gaps = {"2": long_ago.isoformat()}
        await session.commit()
    await insert_with_id(own_engine, 4)
    assert await deliver(own_engine, "realtime", []) == 1
    async with create_session_factory(own_engine)() as session:
        assert (await session.get(OutboxCursor, "realtime")).gaps == {}


async def test_a_merged_duplicate_announces_whom_it_was_merged_into(client, session):
    keep = await make_request(session, category="oxygen", urgency="red")
    duplicate = await make_request(session, category="oxygen", urgency="red")
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    response = await client.post(
        f"/api/v1/requests/{duplicate.id}/merge", json={"keep_id": keep.id}, headers=headers
    )

    assert response.status_code == 200, response.text
    rows = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all()
    updates = [r for r in rows if r.full["id"] == duplicate.id and r.kind == "request.updated"]
    # One event for the change, carrying what was committed: closed, and merged into `keep`.
    assert len(updates) == 1
    assert updates[0].full["merged_into_id"] == keep.id
    assert updates[0].full["status"] == "closed"
    assert updates[0].full_view_action == "requests.manage"


async def test_the_event_names_the_action_that_unlocks_its_full_view(session):
    coordinator = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    admin = await make_user(session, roles=[Role.ADMIN])
    payloads = {"public": '{"view":"public"}', "full": '{"view":"full"}'}

    def seen(user, action: str | None) -> str:
        event = Event(1, **FACILITY, **payloads, full_view_action=action)
        data = router._viewer(user)(event).decode().split("data: ", 1)[1].split("\r\n")[0]
        return json.loads(data)["view"]

    assert seen(coordinator, "requests.manage") == "full"
    # Not governed by the requests rule: only whom this event's own action allows.
    assert seen(coordinator, "users.manage") == "public"
    assert seen(admin, "users.manage") == "full"
    assert seen(coordinator, None) == seen(admin, None) == "public"
    assert seen(None, "requests.manage") == "public"


async def frames_after(engine, after_id: int) -> list[bytes]:
    """Return the frames a resuming client gets before live events: opening and what it missed."""
    frames = router._frames(
        MemoryHub(),
        create_session_factory(engine, mode="read"),
        user=None,
        area=None,
        bbox=None,
        after_id=after_id,
        follow=False,
    )
    return [frame async for frame in frames]


def reset_of(frame: bytes) -> dict:
    """Return the data of a `reset` frame, failing if it is not one."""
    lines = dict(line.split(": ", 1) for line in frame.decode().strip().split("\r\n"))
    assert lines["event"] == "reset", frame
    return json.loads(lines["data"]) | {"id": int(lines["id"])}


async def test_a_replay_longer_than_the_limit_resets_the_client(own_engine, monkeypatch):
    monkeypatch.setattr(router, "REPLAY_LIMIT", 3)
    ids = await record(own_engine, 5)

    frames = await frames_after(own_engine, ids[0])  # four missed: one too many

    assert frames[0] == router.OPENING
    assert len(frames) == 2
    assert reset_of(frames[1]) == {"reason": "too_many", "last_event_id": ids[-1], "id": ids[-1]}
    assert len(await frames_after(own_engine, ids[1])) == 1 + 3  # three: replayed as they are


async def test_resuming_past_purged_events_resets_the_client(own_engine):
    ids = await record(own_engine, 5)
    async with create_session_factory(own_engine)() as session:
        old = utcnow() - timedelta(days=30)
        await session.execute(update(OutboxEvent).values(at=old).where(OutboxEvent.id <= ids[2]))
        for consumer in outbox.registered():
            session.add(OutboxCursor(consumer=consumer, last_event_id=ids[-1], gaps={}))
        await session.commit()
        purged = await outbox.purge_passed(
            session, now=utcnow(), retention=timedelta(days=1), limit=100
        )
        await session.commit()
    assert purged == 3

    frames = await frames_after(own_engine, ids[0])  # missed ids[1] and ids[2]: purged

    assert reset_of(frames[1]) == {"reason": "purged", "last_event_id": ids[-1], "id": ids[-1]}
    replayed = await frames_after(own_engine, ids[2])  # nothing it missed was purged
    assert [f.split(b"\r\n", 1)[0] for f in replayed[1:]] == [f"id: {i}".encode() for i in ids[3:]]
