"""Map answers kept per process, forgotten as soon as what they count changes.

`GET /api/v1/map` is public: the same viewport gives the same answer to everyone, so each process
keeps the answers it made (least recently used first out) and hands them out again until one of
their layers changes:

- a commit of this process that changed a layer's counts, or wrote an event of the layer (a
  request's public view), forgets its answers before the commit returns: a process sees its own
  writes at once;
- an event of the layer from another process forgets them when it arrives: through the hub
  (Redis carries every process's events), and in any case by a poll of the outbox every second,
  so another process's write is seen within about a second, with or without Redis;
- an answer older than `MAX_AGE_SECONDS` is made again whatever happened (a backstop for changes
  that write no event, such as a recount from the command line in another process).

An answer is stored only if none of its layers changed while it was being made, so an answer read
before a commit is never kept after it. The key is the layers, the cluster level, the level-0
cells the viewport covers (`grid.base`), the area and the filters as given: two viewports that
cover the same cells share one answer. Answers hold only what the public map shows.
"""

import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from prometheus_client import Counter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.clusters import follow
from jitasa.clusters import service as clusters
from jitasa.core import events, polling
from jitasa.core.events import OutboxEvent
from jitasa.map.registry import LAYERS

MAX_ENTRIES = 4096
MAX_AGE_SECONDS = 60.0
POLL_SECONDS = 1.0
# Outbox ids are handed out before their transactions commit, so on PostgreSQL a lower id can
# appear after a higher one: the poll looks this many ids back and skips those it has seen.
POLL_LOOKBACK = 200
LOOKUPS = Counter("jitasa_map_cache_lookups_total", "Map answer cache lookups", ["outcome"])
HITS, MISSES = LOOKUPS.labels("hit"), LOOKUPS.labels("miss")  # found once: every answer counts
log = structlog.get_logger(__name__)
_caches: "weakref.WeakSet[AnswerCache]" = weakref.WeakSet()


@dataclass(frozen=True)
class Stored:
    """A made answer: its totals and features as JSON, their digest, when it was made."""

    tail: bytes  # `,"totals":{…},"features":[…]}`: the body after the bbox and zoom it echoes
    digest: bytes
    made: float


def layers_of_kind(kind: str) -> set[str]:
    """Return the names of the layers an event of this kind tells a change of."""
    return {
        layer.name
        for layer in LAYERS.values()
        if any(kind.startswith(prefix) for prefix in layer.event_kinds)
    }


class AnswerCache:
    """A bounded store of map answers, keyed by what decides them, per layer version."""

    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE_SECONDS):
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[tuple, tuple[tuple[int, ...], Stored]] = OrderedDict()
        # Per query string answered: its answer's key, layers and head (`remember_url`).
        self._urls: OrderedDict[bytes, tuple[tuple, tuple[str, ...], bytes]] = OrderedDict()
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()
        _caches.add(self)

    def versions(self, layers: Iterable[str]) -> tuple[int, ...]:
        """Return the current version of each layer: take it before reading the database."""
        return tuple(self._versions.get(name, 0) for name in layers)

    def get(self, key: tuple, layers: tuple[str, ...]) -> Stored | None:
        """Return the answer stored for the key, if its layers have not changed since."""
        with self._lock:
            stored = self._current(key, layers)
        (MISSES if stored is None else HITS).inc()
        return stored

    def _current(self, key: tuple, layers: tuple[str, ...]) -> Stored | None:
        """Return the key's answer if still current, dropping it if not (the lock held)."""
        found = self._entries.get(key)
        if found is None:
            return None
        made_at, stored = found
        if made_at == self.versions(layers) and time.monotonic() - stored.made < self.max_age:
            self._entries.move_to_end(key)
            return stored
        del self._entries[key]
        return None

    def remember_url(self, query: bytes, key: tuple, layers: tuple[str, ...], head: bytes) -> None:
        """Note that this query string is answered by the key's answer after `head` (the bbox
        and zoom it echoes), for `by_url` (`jitasa.map.repeats`)."""
        with self._lock:
            self._urls[query] = (key, layers, head)
            self._urls.move_to_end(query)
            while len(self._urls) > self.max_entries:
                self._urls.popitem(last=False)

    def by_url(self, query: bytes) -> tuple[bytes, Stored] | None:
        """Return the head and current answer of a query string answered before, else None."""
        with self._lock:
            noted = self._urls.get(query)
            if noted is None:
                return None
            key, layers, head = noted
            stored = self._current(key, layers)
            if stored is None:
                del self._urls[query]
                return None
        HITS.inc()
        return head, stored

    def put(
        self, key: tuple, layers: tuple[str, ...], versions: tuple[int, ...], tail: bytes
    ) -> Stored:
        """Store an answer made from the layers at `versions`, unless one changed meanwhile."""
        stored = Stored(tail, hashlib.blake2b(tail, digest_size=12).digest(), time.monotonic())
        with self._lock:
            if versions == self.versions(layers):
                self._entries[key] = (versions, stored)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return stored

    def forget(self, layers: Iterable[str]) -> None:
        """Forget every answer of these layers (their versions move on)."""
        with self._lock:
            for name in layers:
                self._versions[name] = self._versions.get(name, 0) + 1

    def forget_kinds(self, kinds: Iterable[str]) -> None:
        """Forget the answers of the layers events of these kinds tell a change of."""
        self.forget(set().union(*(layers_of_kind(kind) for kind in kinds)))

    def on_event(self, event) -> None:
        """Take one event from the hub (anything with a `kind`)."""
        self.forget_kinds([event.kind])

    def __len__(self) -> int:
        return len(self._entries)


def forget_all() -> None:
    """Forget every answer of every cache, and every cluster index, of this process (after rows
    were deleted behind the sessions' back, as a test's clean-up does)."""
    for cache in list(_caches):
        cache.forget(set(LAYERS) | set(cache._versions))
    follow.drop_all()


def _forget_everywhere_kinds(kinds: set[str]) -> None:
    """A commit of this process wrote events: forget the answers they change, in every cache."""
    for cache in list(_caches):
        cache.forget_kinds(kinds)


def _forget_everywhere(layers: set[str]) -> None:
    """A commit of this process changed counts: forget those layers' answers in every cache."""
    for cache in list(_caches):
        cache.forget(layers)


events.on_commit_kinds(_forget_everywhere_kinds)
clusters.on_commit(_forget_everywhere)


class OutboxWatch:
    """Forgets a cache's answers when other processes' events reach the outbox."""

    def __init__(self, cache: AnswerCache) -> None:
        self.cache = cache
        self.seen: set[int] = set()
        self.floor: int | None = None

    async def poll(self, session: AsyncSession) -> None:
        """Read the events written since the last poll and forget what they change.

        The first poll only notes where the outbox stands.
        """
        first = self.floor is None
        if first:
            self.floor = await session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0)))
        statement = select(OutboxEvent.id, OutboxEvent.kind)
        rows = await session.execute(statement.where(OutboxEvent.id > self.floor - POLL_LOOKBACK))
        fresh = [(i, kind) for i, kind in rows.all() if i not in self.seen]
        if not fresh:
            return
        if not first:
            self.cache.forget_kinds({kind for _id, kind in fresh})
        self.floor = max(self.floor, *(i for i, _kind in fresh))
        recent = self.floor - POLL_LOOKBACK
        self.seen = {i for i in self.seen.union(i for i, _ in fresh) if i > recent}


@asynccontextmanager
async def watching(
    cache: AnswerCache,
    read_session_factory: async_sessionmaker[AsyncSession],
    *,
    poll_seconds: float = POLL_SECONDS,
) -> AsyncIterator[OutboxWatch]:
    """Poll the outbox for the cache every `poll_seconds` for the duration of the block."""
    watch = OutboxWatch(cache)

    async def step() -> None:
        async with read_session_factory() as session:
            await watch.poll(session)

    async with polling.every(
        poll_seconds, step, name="jitasa-map-cache-watch", failed="map.cache_poll_failed"
    ):
        yield watch
