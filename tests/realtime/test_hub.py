"""The hub: each stream gets the events it wants, slow streams end, Redis joins processes."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from jitasa.realtime.hub import Event, MemoryHub, RedisHub, Subscription, hub_for

REDIS_URL = os.environ.get("JITASA_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="set JITASA_TEST_REDIS_URL to test Redis")


def make_event(event_id: int, area_code: str = "5001") -> Event:
    """Return an event in an area, with a public and a full payload."""
    return Event(
        event_id,
        "request.created",
        area_code,
        18.79,
        98.98,
        f'{{"id":{event_id}}}',
        f'{{"id":{event_id},"contact_phone":"+66897654321"}}',
    )


async def take(subscription: Subscription, count: int) -> list[Event]:
    """Return the next `count` events of a stream, failing after a few seconds."""
    async with asyncio.timeout(5):
        return [await anext(subscription) for _ in range(count)]


async def test_each_stream_gets_the_events_it_wants():
    hub = MemoryHub()
    chom_thong = lambda event: event.area_code.startswith("5002")  # noqa: E731
    with hub.subscribe() as everything, hub.subscribe(chom_thong) as district:
        await hub.publish(make_event(1, "5001"), make_event(2, "500201"))
        assert [e.id for e in await take(everything, 2)] == [1, 2]
        assert [e.id for e in await take(district, 1)] == [2]


async def test_an_event_is_serialised_once_for_all_its_streams():
    hub = MemoryHub()
    with hub.subscribe() as first, hub.subscribe() as second:
        await hub.publish(make_event(7))
        (a,), (b,) = await take(first, 1), await take(second, 1)
    assert a is b
    assert a.public_frame is b.public_frame
    assert a.public_frame == b'id: 7\r\nevent: request.created\r\ndata: {"id":7}\r\n\r\n'
    assert b"+66897654321" in a.full_frame and b"+66897654321" not in a.public_frame


async def test_a_stream_that_falls_behind_is_ended_rather_than_grown():
    hub = MemoryHub(queue_size=2)
    with hub.subscribe() as slow, hub.subscribe() as keeping_up:
        await hub.publish(make_event(1), make_event(2))
        assert [e.id for e in await take(keeping_up, 2)] == [1, 2]
        await hub.publish(make_event(3))
        assert slow.ended
        # It ends at once, queued events and all: its client resumes from the outbox.
        assert [e async for e in slow] == []
        await hub.publish(make_event(4))
        assert [e.id for e in await take(keeping_up, 2)] == [3, 4]


async def test_stopping_the_hub_ends_a_waiting_stream():
    hub = MemoryHub()
    with hub.subscribe() as stream:
        reader = asyncio.create_task(anext(stream, None))
        await asyncio.sleep(0)
        await hub.stop()
        assert await asyncio.wait_for(reader, 5) is None


async def test_started_memory_hubs_of_one_process_share_events():
    apps = MemoryHub(), MemoryHub()
    alone = MemoryHub()  # never started: it keeps to its own streams
    for hub in apps:
        await hub.start()
    try:
        with apps[1].subscribe() as other_app, alone.subscribe() as lonely:
            await apps[0].publish(make_event(5))
            assert [e.id for e in await take(other_app, 1)] == [5]
            await alone.publish(make_event(6))
            assert [e.id for e in await take(lonely, 1)] == [6]
            assert [e.id for e in await take(other_app, 1)] == [6]
    finally:
        for hub in apps:
            await hub.stop()


def test_the_hub_is_redis_only_when_redis_is_configured(settings):
    assert isinstance(hub_for(settings.model_copy(update={"redis_url": None})), MemoryHub)
    redis_hub = hub_for(settings.model_copy(update={"redis_url": "redis://127.0.0.1:6379/0"}))
    assert isinstance(redis_hub, RedisHub)
    assert redis_hub.channel == f"{settings.redis_prefix}events"


def test_an_event_crosses_redis_unchanged():
    sent = Event(9, "request.updated", None, None, None, '{"a":"ไทย\\n"}', '{"b":[1,2]}')
    assert Event.from_message(sent.to_message()).__dict__ == sent.__dict__


@pytest.fixture
async def two_processes(settings) -> AsyncIterator[tuple[RedisHub, RedisHub]]:
    """Two Redis hubs on one channel of this run's own, as two processes would have."""
    channel = f"{settings.redis_prefix}events-{uuid.uuid4().hex[:8]}"
    hubs = (RedisHub(REDIS_URL, channel=channel), RedisHub(REDIS_URL, channel=channel))
    for hub in hubs:
        await hub.start()
    yield hubs
    for hub in hubs:
        await hub.stop()


@needs_redis
async def test_redis_hub_delivers_between_processes(two_processes):
    publisher, other = two_processes
    with publisher.subscribe() as own, other.subscribe() as theirs:
        sent = make_event(11)
        await publisher.publish(sent)
        (received,) = await take(theirs, 1)
        # The publisher's own streams get it once, through Redis like everyone else.
        (echoed,) = await take(own, 1)
    assert received.__dict__ == sent.__dict__ == echoed.__dict__
    assert received.full_frame == sent.full_frame


@needs_redis
async def test_redis_hub_skips_a_malformed_message(two_processes):
    publisher, other = two_processes
    client = redis.from_url(REDIS_URL)
    try:
        with other.subscribe() as stream:
            await client.publish(other.channel, b"not an event")
            await publisher.publish(make_event(12))
            assert [e.id for e in await take(stream, 1)] == [12]
    finally:
        await client.aclose()
