"""The dispatcher: the outbox consumer "realtime", publishing committed events to the hub.

It wakes as soon as a transaction of this process commits events (`events.on_commit`), and polls
every second for events that other processes wrote (or left behind when they died). Delivery is
at least once: the consumer's cursor moves in the transaction that read the events, after the
hub took them, so a crash in between publishes them again.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.core import events, outbox
from jitasa.realtime.hub import Event, MemoryHub

BATCH_SIZE = 500
POLL_SECONDS = 1.0
PUBLISHED = Counter("jitasa_events_published_total", "Outbox events handed to the live hub")
log = structlog.get_logger(__name__)
CONSUMER = outbox.register("realtime")


async def dispatch_pending(
    session_factory: async_sessionmaker[AsyncSession],
    read_session_factory: async_sessionmaker[AsyncSession],
    hub: MemoryHub,
    *,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Publish every event the realtime consumer has not, oldest first; return the count."""

    async def publish(rows) -> None:
        await hub.publish(*(Event.from_row(row) for row in rows))
        PUBLISHED.inc(len(rows))

    return await outbox.deliver(
        session_factory, read_session_factory, CONSUMER, publish, batch_size=batch_size
    )


class Dispatcher:
    """Runs `dispatch_pending` after each commit that wrote events, and every poll interval."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        read_session_factory: async_sessionmaker[AsyncSession],
        hub: MemoryHub,
        *,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._factories = (session_factory, read_session_factory)
        self._hub = hub
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._forget_commits: Callable[[], None] | None = None

    def start(self) -> None:
        """Start dispatching in the running event loop."""
        loop = asyncio.get_running_loop()

        def wake() -> None:
            # Commits may happen on another thread's loop (a test's server); this one may be
            # closed already, and a commit elsewhere must never fail because of it.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(self._wake.set)

        self._forget_commits = events.on_commit(wake)
        self._task = asyncio.create_task(self._run(), name="jitasa-events-dispatcher")

    async def stop(self) -> None:
        """Stop dispatching; events left are published by the next dispatcher to run."""
        if self._forget_commits is not None:
            self._forget_commits()
            self._forget_commits = None
        if self._task is not None:
            # Never cancelled inside a dispatch (it moves the consumer's cursor in a write
            # transaction, see `stop_between_units`): told to stop, it ends after the pass.
            self._stopping.set()
            self._wake.set()
            await self._task

    async def _run(self) -> None:
        """Dispatch, then wait for a commit or the poll interval, until stopped."""
        while not self._stopping.is_set():
            # Cleared before the pass, so a commit during it brings another pass.
            self._wake.clear()
            try:
                await dispatch_pending(*self._factories, self._hub)
            except Exception:
                log.exception("events.dispatch_failed")
            with suppress(TimeoutError):
                async with asyncio.timeout(self._poll_seconds):
                    await self._wake.wait()


@asynccontextmanager
async def live_updates(
    hub: MemoryHub,
    session_factory: async_sessionmaker[AsyncSession],
    read_session_factory: async_sessionmaker[AsyncSession],
    *,
    dispatch: bool,
) -> AsyncIterator[None]:
    """Run the hub, and the dispatcher when `dispatch`, for the duration of the block."""
    await hub.start()
    dispatcher = Dispatcher(session_factory, read_session_factory, hub) if dispatch else None
    if dispatcher is not None:
        dispatcher.start()
    try:
        yield
    finally:
        if dispatcher is not None:
            await dispatcher.stop()
        await hub.stop()
