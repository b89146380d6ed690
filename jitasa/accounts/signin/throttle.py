"""Rate limits in fixed windows: Redis when configured, otherwise the database."""

import hashlib
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis.asyncio as redis
import structlog
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.accounts.models import RateLimitWindow
from jitasa.core.config import Settings
from jitasa.core.db import transaction
from jitasa.core.errors import DomainError, TooManyRequests

log = structlog.get_logger(__name__)

TOO_MANY = "Too many tries; please wait {retry_after} seconds and try again."
UNAVAILABLE = "Signing in is not possible for a moment; please try again shortly."
MAX_WINDOW_SECONDS = 24 * 3600  # the database sweep relies on no window being longer
MAX_KEY_LENGTH = 200  # rate_limit_windows.key
SWEEP_EVERY_SECONDS = 60.0

Clock = Callable[[], float]


@dataclass(frozen=True)
class Refusal:
    """What a refused hit answers: a code and a message, which may name `{minutes}` to wait."""

    code: str
    message: str

    def error(self, seconds_left: float) -> TooManyRequests:
        """Return the 429 for a window that ends in this many seconds."""
        retry_after = max(1, math.ceil(seconds_left))
        params: dict[str, object] = {"retry_after": retry_after}
        if "{minutes}" in self.message:
            params["minutes"] = math.ceil(retry_after / 60)
        return TooManyRequests(self.code, self.message, params)


DEFAULT_REFUSAL = Refusal("auth.too_many", TOO_MANY)


def _window(now: float, window_seconds: int, window_origin: int = 0) -> tuple[int, int]:
    """Return the start and end of the fixed window that holds `now`."""
    if not 0 < window_seconds <= MAX_WINDOW_SECONDS:
        raise ValueError(f"window_seconds must be 1..{MAX_WINDOW_SECONDS}")
    start = window_origin + (int(now) - window_origin) // window_seconds * window_seconds
    return start, start + window_seconds


class ThrottleUnavailable(DomainError):
    """The counters cannot be reached, so nothing is let through (503)."""

    status = 503
    title = "Service unavailable"


class Throttle(ABC):
    """Counts hits per key in fixed windows and refuses the hits over a limit."""

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock

    async def hit(
        self,
        key: str,
        *,
        limit: int,
        window_seconds: int,
        window_origin: int = 0,
        refusal: Refusal = DEFAULT_REFUSAL,
    ) -> None:
        """Count one hit on `key`; raise 429 with `retry_after` when the window holds too many.

        Windows are counted from `window_origin` (default the Unix epoch); a one-time code's
        attempts count from the code's creation, so its whole life is one window.
        On SQLite, call this before the request's own session has run a statement: the
        database backend writes in a transaction of its own, and SQLite has one writer.
        """
        now = self.clock()
        window_start, window_end = _window(now, window_seconds, window_origin)
        hits = await self._count(_stored_key(key), window_start=window_start, window_end=window_end)
        if hits > limit:
            raise refusal.error(window_end - now)

    @abstractmethod
    async def reset(self, key: str) -> None:
        """Forget every hit on `key`."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections held by the backend."""

    @abstractmethod
    async def _count(self, key: str, *, window_start: int, window_end: int) -> int:
        """Add one hit to the key's window and return the window's hits so far."""


class DatabaseThrottle(Throttle):
    """Counters in the `rate_limit_windows` table, each hit committed in its own transaction.

    The request's transaction is rolled back when the request fails, and a failed attempt
    must still count, so counting never shares it.
    """

    def __init__(
        self, session_factory: async_sessionmaker[AsyncSession], clock: Clock = time.time
    ) -> None:
        super().__init__(clock)
        self.session_factory = session_factory
        self._swept_at = 0.0

    async def reset(self, key: str) -> None:
        """Forget every hit on `key`."""
        async with transaction(self.session_factory) as session:
            await session.execute(
                delete(RateLimitWindow).where(RateLimitWindow.key == _stored_key(key))
            )

    async def aclose(self) -> None:
        """Release nothing: sessions are opened per hit from the application's factory."""

    async def sweep(self) -> int:
        """Delete windows that have surely ended; return how many."""
        async with transaction(self.session_factory) as session:
            return await self._sweep(session)

    async def _count(self, key: str, *, window_start: int, window_end: int) -> int:
        """Add one hit with an upsert, which is atomic on SQLite and PostgreSQL alike."""
        async with transaction(self.session_factory) as session:
            hits = await _add_hit(session, key, window_start)
            if self.clock() - self._swept_at > SWEEP_EVERY_SECONDS:
                await self._sweep(session)
        return hits

    async def _sweep(self, session: AsyncSession) -> int:
        """Delete, in the caller's transaction, windows started before the longest allowed."""
        self._swept_at = self.clock()
        result = await session.execute(
            delete(RateLimitWindow).where(
                RateLimitWindow.window_start < int(self._swept_at) - MAX_WINDOW_SECONDS
            )
        )
        return result.rowcount


class RedisThrottle(Throttle):
    """Counters in Redis, shared by every process; each window's key expires with it."""

    def __init__(self, client: redis.Redis, *, prefix: str, clock: Clock = time.time) -> None:
        super().__init__(clock)
        self.client = client
        self.prefix = f"{prefix}throttle:"

    async def reset(self, key: str) -> None:
        """Forget every hit on `key` (scans the key space, so keep it off hot paths)."""
        stem = f"{self.prefix}{_stored_key(key)}:".encode()
        try:
            names = [
                name
                async for name in self.client.scan_iter(match=_glob_escape(stem) + b"*", count=500)
                if name[len(stem) :].isdigit()  # not the windows of a longer key "key:more"
            ]
            if names:
                await self.client.delete(*names)
        except redis.RedisError as error:
            raise _unavailable(error) from None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()

    async def _count(self, key: str, *, window_start: int, window_end: int) -> int:
        """INCR the window's key and EXPIRE it when the window ends, in one MULTI."""
        name = f"{self.prefix}{key}:{window_start}"
        # One second past the window's end, so that clocks a little apart never see it reborn.
        ttl = max(1, math.ceil(window_end - self.clock()) + 1)
        try:
            async with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, ttl)
                hits, _ = await pipe.execute()
        except redis.RedisError as error:
            raise _unavailable(error) from None
        return int(hits)


async def _add_hit(session: AsyncSession, key: str, window_start: int) -> int:
    """Add one hit to a window in the table, in the session's transaction; return its hits."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(RateLimitWindow).values(key=key, window_start=window_start, hits=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(RateLimitWindow.hits)
    hits = await session.scalar(upsert)
    if hits == 1:  # a new window: the key's earlier ones are over
        await session.execute(
            delete(RateLimitWindow).where(
                RateLimitWindow.key == key, RateLimitWindow.window_start < window_start
            )
        )
    return hits


async def count_in_transaction(
    session: AsyncSession,
    limits: Sequence[tuple[str, int, Refusal]],
    *,
    window_seconds: int,
    clock: Clock = time.time,
) -> None:
    """Count one hit of each (distinct key, limit, refusal) in the caller's transaction, in one
    statement; raise the first refusal (429) whose key is over its limit.

    For limits on what a transaction creates: the hits last only if the caller commits, so
    what failed is not counted, and on SQLite it needs no second writer. The same table, and
    so the same answer, whatever backend the throttle has.
    """
    now = clock()
    window_start, window_end = _window(now, window_seconds)
    keys = [_stored_key(key) for key, _limit, _refusal in limits]
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(RateLimitWindow).values(
        [{"key": key, "window_start": window_start, "hits": 1} for key in keys]
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[RateLimitWindow.key, RateLimitWindow.window_start],
        set_={"hits": RateLimitWindow.hits + 1},
    ).returning(RateLimitWindow.key, RateLimitWindow.hits)
    hits = {key: number for key, number in await session.execute(upsert)}
    if new := [key for key in keys if hits[key] == 1]:  # a new window: earlier ones are over
        await session.execute(
            delete(RateLimitWindow).where(
                RateLimitWindow.key.in_(new), RateLimitWindow.window_start < window_start
            )
        )
    for key, (_key, limit, refusal) in zip(keys, limits, strict=True):
        if hits[key] > limit:
            raise refusal.error(window_end - now)


def throttle_for(settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> Throttle:
    """Return the Redis throttle when `redis_url` is set, else the database one."""
    if settings.redis_url:
        client = redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        return RedisThrottle(client, prefix=settings.redis_prefix)
    return DatabaseThrottle(session_factory)


def _stored_key(key: str) -> str:
    """Return the key as stored: long keys are hashed to fit the column."""
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _glob_escape(text: bytes) -> bytes:
    """Escape Redis glob characters so a key matches only itself."""
    return b"".join(b"\\" + bytes([c]) if c in b"*?[]\\" else bytes([c]) for c in text)


def _unavailable(error: Exception) -> ThrottleUnavailable:
    """Log a Redis failure and return the 503 that refuses the hit (fail closed)."""
    log.error("throttle_unavailable", error=type(error).__name__)
    return ThrottleUnavailable("auth.throttle_unavailable", UNAVAILABLE)
