"""The dispatcher publishes every committed event once, and the purge job forgets old ones."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from jitasa import jobs
from jitasa.core import events, outbox
from jitasa.core.db import create_engine, create_session_factory, transaction, utcnow
from jitasa.core.events import OutboxCursor, OutboxEvent
from jitasa.realtime import router
from jitasa.realtime.dispatcher import CONSUMER, Dispatcher, dispatch_pending
from jitasa.realtime.hub import Event, MemoryHub, Subscription

ROW = {"kind": "request.created", "area_code": "5001", "lat": 18.79, "lon": 98.98}


async def record(engine, count: int = 1) -> list[int]:
    """Commit `count` events in one transaction, as a request change would; return their ids."""
    async with transaction(create_session_factory(engine)) as session:
        for n in range(count):
            events.record(session, **ROW, public={"n": n}, full={"n": n, "phone": "+66"})
        await session.flush()
        return list(
            await session.scalars(
                select(OutboxEvent.id).order_by(OutboxEvent.id.desc()).limit(count)
            )
        )[::-1]


async def unpublished(session) -> int:
    """Return how many events wait to be published: those past the realtime consumer's cursor."""
    cursor = await session.get(OutboxCursor, CONSUMER, populate_existing=True)
    waiting = select(func.count()).where(OutboxEvent.id > (cursor.last_event_id if cursor else 0))
    return await session.scalar(waiting.select_from(OutboxEvent))


async def received(subscription: Subscription, count: int) -> list[int]:
    """Return the ids of a stream's next `count` events, failing after a few seconds."""
    async with asyncio.timeout(10):
        return [(await anext(subscription)).id for _ in range(count)]


async def queued(subscription: Subscription) -> list[int]:
    """Return the ids of the events a stream holds already (published before this call)."""
    ids = []
    while True:
        try:
            async with asyncio.timeout(0.05):
                ids.append((await anext(subscription)).id)
        except TimeoutError:
            return ids


def factories(engine):
    """Return the write and read session factories a process would have."""
    return create_session_factory(engine), create_session_factory(engine, mode="read")


@pytest.fixture
async def own_engine(fresh_database_url, settings) -> AsyncIterator[AsyncEngine]:
    """A database of the test's own, only the outbox: no other server of the run takes its rows."""
    engine = create_engine(settings.model_copy(update={"database_url": fresh_database_url}))
    async with engine.begin() as connection:
        await connection.run_sync(OutboxEvent.__table__.create)
        await connection.run_sync(OutboxCursor.__table__.create)
    yield engine
    await engine.dispose()


@pytest.fixture
async def own_session(own_engine) -> AsyncIterator[AsyncSession]:
    """A session on that database for the tests' checks, each statement committed."""
    async with create_session_factory(own_engine, mode="autocommit")() as session:
        yield session


async def test_two_dispatchers_publish_each_event_once(own_engine, own_session):
    ids = await record(own_engine, 300)
    hubs = MemoryHub(queue_size=1000), MemoryHub(queue_size=1000)
    with hubs[0].subscribe() as first, hubs[1].subscribe() as second:
        counts = await asyncio.gather(
            *(dispatch_pending(*factories(own_engine), hub, batch_size=25) for hub in hubs)
        )
        got = [await received(first, counts[0]), await received(second, counts[1])]
    assert sum(counts) == 300
    assert sorted(got[0] + got[1]) == ids
    assert await unpublished(own_session) == 0
    assert await dispatch_pending(*factories(own_engine), hubs[0]) == 0


async def test_running_dispatchers_share_committed_events_without_repeats(own_engine, own_session):
    hubs = MemoryHub(queue_size=1000), MemoryHub(queue_size=1000)
    dispatchers = [Dispatcher(*factories(own_engine), hub, poll_seconds=0.05) for hub in hubs]
    with hubs[0].subscribe() as first, hubs[1].subscribe() as second:
        for dispatcher in dispatchers:
            dispatcher.start()
        try:
            ids = [i for _ in range(10) for i in await record(own_engine, 20)]
            async with asyncio.timeout(10):
                while await unpublished(own_session):
                    await asyncio.sleep(0.05)
        finally:
            for dispatcher in dispatchers:
                await dispatcher.stop()
        published = await queued(first) + await queued(second)
    assert sorted(published) == ids


async def test_a_commit_wakes_the_dispatcher_before_its_next_poll(own_engine):
    hub = MemoryHub()
    dispatcher = Dispatcher(*factories(own_engine), hub, poll_seconds=3600)
    with hub.subscribe() as stream:
        first = await record(own_engine)
        dispatcher.start()
        try:
            assert await received(stream, 1) == first
            # The first pass is over; only the commit can bring the next one within the hour.
            second = await record(own_engine)
            assert await received(stream, 1) == second
        finally:
            await dispatcher.stop()


async def test_polling_finds_events_that_woke_nobody(own_engine, own_session):
    hub = MemoryHub()
    dispatcher = Dispatcher(*factories(own_engine), hub, poll_seconds=0.1)
    with hub.subscribe() as stream:
        dispatcher.start()
        try:
            # Written as another process would: this process's dispatcher is not told.
            await own_session.execute(
                insert(OutboxEvent).values(**ROW, at=utcnow(), public={}, full={})
            )
            await own_session.commit()
            (event_id,) = await received(stream, 1)
        finally:
            await dispatcher.stop()
    assert event_id == await own_session.scalar(select(func.max(OutboxEvent.id)))


class FailingOnceHub(MemoryHub):
    """A hub whose first publish fails, as Redis going away would make it."""

    failed = False

    async def publish(self, *published: Event) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("hub unavailable")
        await super().publish(*published)


async def test_events_the_hub_refused_are_published_on_the_next_pass(own_engine, own_session):
    ids = await record(own_engine, 3)
    hub = FailingOnceHub()
    with hub.subscribe() as stream:
        with pytest.raises(ConnectionError):
            await dispatch_pending(*factories(own_engine), hub)
        assert await unpublished(own_session) == 3
        assert await dispatch_pending(*factories(own_engine), hub) == 3
        assert await received(stream, 3) == ids


async def test_an_event_both_replayed_and_published_live_is_sent_once(own_engine):
    hub = MemoryHub()
    frames = router._frames(
        hub,
        create_session_factory(own_engine, mode="read"),
        user=None,
        area=None,
        bbox=None,
        after_id=0,
        follow=True,
    )
    assert await anext(frames) == router.OPENING  # subscribed from here on
    first = await record(own_engine)
    # The dispatcher publishes it after the subscription, before the replay is read.
    await hub.publish(Event(first[0], **ROW, public="{}", full="{}"))
    replayed = await anext(frames)
    second = await record(own_engine)
    await hub.publish(Event(second[0], **ROW, public="{}", full="{}"))
    live = await anext(frames)
    await frames.aclose()
    assert replayed.startswith(f"id: {first[0]}\r\n".encode())
    assert live.startswith(f"id: {second[0]}\r\n".encode())


async def test_purge_deletes_published_events_past_the_retention(engine, session, settings):
    now = utcnow()
    rows = {
        "published a day and more ago": now - timedelta(hours=25),
        "published an hour ago": now - timedelta(hours=1),
        "never published": now - timedelta(hours=25),
    }
    ids = {}
    for name, at in rows.items():
        event = OutboxEvent(**ROW, at=at, public={name: 1}, full={})
        session.add(event)
        await session.flush()
        ids[name] = event.id
    # Every consumer has read up to the event published an hour ago; none the last one.
    for consumer in outbox.registered():
        session.add(OutboxCursor(consumer=consumer, last_event_id=ids["published an hour ago"]))
    await session.commit()
    write = create_session_factory(engine)

    async def kept() -> list[str]:
        return sorted(name for (name,) in await session.scalars(select(OutboxEvent.public)))

    assert (await jobs.run_once(write, settings=settings, now=now))["events_purged"] == 1
    assert await kept() == ["never published", "published an hour ago"]
    shorter = settings.model_copy(update={"event_retention_hours": 0.5})
    assert (await jobs.run_once(write, settings=shorter, now=now))["events_purged"] == 1
    assert await kept() == ["never published"]


async def test_purge_keeps_what_any_consumer_has_not_read(engine, session, settings):
    old = utcnow() - timedelta(days=2)
    for n in range(3):
        session.add(OutboxEvent(**ROW, at=old, public={"n": n}, full={}))
    await session.commit()
    newest = await session.scalar(select(func.max(OutboxEvent.id)))
    session.add(OutboxCursor(consumer=CONSUMER, last_event_id=newest))
    session.add(OutboxCursor(consumer="offline_sync", last_event_id=newest - 2))
    await session.commit()

    assert (await jobs.run_once(create_session_factory(engine), settings=settings))[
        "events_purged"
    ] == 1
    assert await session.scalar(select(func.min(OutboxEvent.id))) == newest - 1


async def test_a_retired_consumer_idle_past_the_retention_no_longer_holds_the_purge(
    engine, session, settings
):
    old = utcnow() - timedelta(days=2)
    for n in range(3):
        session.add(OutboxEvent(**ROW, at=old, public={"n": n}, full={}))
    await session.commit()
    newest = await session.scalar(select(func.max(OutboxEvent.id)))
    session.add(OutboxCursor(consumer=CONSUMER, last_event_id=newest))
    session.add(OutboxCursor(consumer="retired", last_event_id=newest - 3, updated_at=old))
    await session.commit()

    assert (await jobs.run_once(create_session_factory(engine), settings=settings))[
        "events_purged"
    ] == 2
    assert await session.scalar(select(func.min(OutboxEvent.id))) == newest
