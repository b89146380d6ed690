"""The hub: hands each published event to the open streams of this process, or of every process.

`MemoryHub` serves one process: the process is its channel, so the started hubs of several apps
in one process (a test run's servers) share events as processes do through Redis. `RedisHub`
publishes to a Redis channel, and one listener task per process fans each message out to that
process's streams, so any number of `jitasa serve` processes share events. A stream that falls
`queue_size` events behind is ended rather than left to grow: its client reconnects with
Last-Event-ID and catches up from the outbox.
"""

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cached_property

import redis.asyncio as redis
import structlog
from prometheus_client import Counter, Gauge
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError
from sse_starlette.event import ServerSentEvent

from jitasa.core.config import Settings

QUEUE_SIZE = 1000
RECONNECT_SECONDS = 1.0
STREAMS = Gauge("jitasa_event_streams", "Open live-update streams in this process")
DROPPED = Counter(
    "jitasa_event_streams_dropped_total", "Live-update streams ended for falling behind"
)
log = structlog.get_logger(__name__)
_started_hubs: set["MemoryHub"] = set()
_started_hubs_lock = threading.Lock()


def _json(payload: dict) -> str:
    """Serialise a payload compactly, Thai text as it is."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


@dataclass(eq=False)
class Event:
    """One published event with its payloads as JSON text; its SSE frames are made once."""

    id: int
    kind: str
    area_code: str | None
    lat: float | None
    lon: float | None
    public: str
    full: str
    full_view_action: str | None = None

    @classmethod
    def from_row(cls, row) -> "Event":
        """Build the event of an outbox row, serialising its two payloads."""
        return cls(
            row.id,
            row.kind,
            row.area_code,
            row.lat,
            row.lon,
            _json(row.public),
            _json(row.full),
            row.full_view_action,
        )

    @classmethod
    def from_message(cls, message: bytes) -> "Event":
        """Read an event back from its Redis message."""
        head, public, full = message.decode().split("\n", 2)
        return cls(**json.loads(head), public=public, full=full)

    def to_message(self) -> bytes:
        """Write the event as one Redis message: a JSON head line, then the two payloads."""
        head = {
            "id": self.id,
            "kind": self.kind,
            "area_code": self.area_code,
            "lat": self.lat,
            "lon": self.lon,
            "full_view_action": self.full_view_action,
        }
        # Compact JSON holds no raw newline, so the payloads travel as they are, not re-escaped.
        return "\n".join((json.dumps(head), self.public, self.full)).encode()

    @cached_property
    def public_frame(self) -> bytes:
        """Return the SSE frame carrying the public payload."""
        return self._frame(self.public)

    @cached_property
    def full_frame(self) -> bytes:
        """Return the SSE frame carrying the full payload."""
        return self._frame(self.full)

    def _frame(self, data: str) -> bytes:
        """Encode one SSE frame of this event."""
        return ServerSentEvent(data=data, id=str(self.id), event=self.kind).encode()


class Subscription:
    """One stream's bounded queue of the events it wants; iterate it to receive them."""

    def __init__(self, wants: Callable[[Event], bool], size: int) -> None:
        self.wants = wants
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(size)
        self.ended = False

    def offer(self, event: Event) -> bool:
        """Queue an event; when the queue is full, end the stream and return False."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.end()
            return False
        return True

    def end(self) -> None:
        """End the stream: its reader stops at its next event."""
        self.ended = True
        # Wakes a reader waiting on an empty queue; a full queue has no reader waiting.
        with suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

    def __aiter__(self) -> "Subscription":
        """Iterate the stream's events."""
        return self

    async def __anext__(self) -> Event:
        """Wait for the next event; stop once the stream has ended."""
        if self.ended:
            raise StopAsyncIteration
        event = await self._queue.get()
        if event is None:
            raise StopAsyncIteration
        return event


class MemoryHub:
    """Fans events out to the streams of this one process."""

    def __init__(self, *, queue_size: int = QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._listeners: list[Callable[[Event], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def listen(self, callback: Callable[[Event], None]) -> None:
        """Call `callback` with every event this process's streams are handed (a quick one)."""
        self._listeners.append(callback)

    async def start(self) -> None:
        """Join the process's channel: from now on, events any started hub publishes come here."""
        self._loop = asyncio.get_running_loop()
        with _started_hubs_lock:
            _started_hubs.add(self)

    async def stop(self) -> None:
        """Leave the process's channel and end every open stream."""
        with _started_hubs_lock:
            _started_hubs.discard(self)
        self._end_all()

    async def publish(self, *events: Event) -> None:
        """Hand events to every stream of this process (of every started hub) that wants them."""
        with _started_hubs_lock:
            hubs = _started_hubs | {self}
        here = asyncio.get_running_loop()
        for hub in hubs:
            if hub._loop in (None, here):
                hub._fan_out(*events)
            else:
                # Another app's hub serves its streams from its own thread's event loop.
                with suppress(RuntimeError):  # that loop closed: it has no streams left
                    hub._loop.call_soon_threadsafe(hub._fan_out, *events)

    @contextmanager
    def subscribe(
        self, wants: Callable[[Event], bool] = lambda _event: True
    ) -> Iterator[Subscription]:
        """Open a stream of the events `wants` accepts, for the duration of the block."""
        subscription = Subscription(wants, self.queue_size)
        self._subscriptions.add(subscription)
        STREAMS.inc()
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
            STREAMS.dec()

    def _fan_out(self, *events: Event) -> None:
        """Queue events for every stream that wants them; drop the streams that fell behind."""
        for event in events:
            for listener in self._listeners:
                listener(event)
            behind = [s for s in self._subscriptions if s.wants(event) and not s.offer(event)]
            for subscription in behind:
                self._subscriptions.discard(subscription)
            if behind:
                DROPPED.inc(len(behind))
                log.warning("events.streams_dropped", count=len(behind), queue=self.queue_size)

    def _end_all(self) -> None:
        """End every open stream now."""
        for subscription in self._subscriptions:
            subscription.end()
        self._subscriptions.clear()


class RedisHub(MemoryHub):
    """Publishes through a Redis channel; one listener per process feeds the local streams."""

    def __init__(self, url: str, *, channel: str, queue_size: int = QUEUE_SIZE) -> None:
        super().__init__(queue_size=queue_size)
        self.channel = channel
        self._url = url
        self._client: redis.Redis | None = None
        self._listener: asyncio.Task | None = None

    async def start(self) -> None:
        """Connect and subscribe to the channel, then listen in the background."""
        self._client = redis.from_url(self._url)
        pubsub = await self._subscribed()
        self._listener = asyncio.create_task(self._listen(pubsub), name="jitasa-events-listener")

    async def stop(self) -> None:
        """Stop listening, close the connection and end every open stream."""
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError):
                await self._listener
        if self._client is not None:
            await self._client.aclose()
        self._end_all()

    async def publish(self, *events: Event) -> None:
        """Send events to every process's listener, this process's included."""
        async with self._client.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.publish(self.channel, event.to_message())
            await pipe.execute()

    async def _subscribed(self) -> PubSub:
        """Return a pub/sub connection subscribed to the channel."""
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self.channel)
        return pubsub

    async def _listen(self, pubsub: PubSub | None) -> None:
        """Fan each message out to the local streams, resubscribing after a lost connection."""
        try:
            while True:
                try:
                    pubsub = pubsub or await self._subscribed()
                    async for message in pubsub.listen():
                        self._receive(message["data"])
                except (RedisError, OSError):
                    log.warning("events.redis_lost", channel=self.channel, exc_info=True)
                # The local streams missed what Redis carried meanwhile: ending them makes
                # their clients reconnect with Last-Event-ID and replay it from the outbox.
                self._end_all()
                if pubsub is not None:
                    with suppress(RedisError, OSError):
                        await pubsub.aclose()
                pubsub = None
                await asyncio.sleep(RECONNECT_SECONDS)
        finally:
            if pubsub is not None:
                with suppress(RedisError, OSError):
                    await pubsub.aclose()

    def _receive(self, data: bytes) -> None:
        """Fan out one message; a malformed one is logged and skipped."""
        try:
            event = Event.from_message(data)
        except (ValueError, TypeError):
            log.warning("events.bad_message", channel=self.channel)
            return
        self._fan_out(event)


def hub_for(settings: Settings) -> MemoryHub:
    """Return the hub the settings call for: Redis when configured, else this process only."""
    if settings.redis_url:
        return RedisHub(settings.redis_url, channel=f"{settings.redis_prefix}events")
    return MemoryHub()
