"""The throttle on both backends: the database always, Redis when JITASA_TEST_REDIS_URL is set."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis
from sqlalchemy import func, select

from jitasa.accounts.models import RateLimitWindow
from jitasa.accounts.signin.throttle import (
    DatabaseThrottle,
    RedisThrottle,
    Throttle,
    ThrottleUnavailable,
    throttle_for,
)
from jitasa.core.db import create_session_factory
from jitasa.core.errors import TooManyRequests

START = 1_800_000_000  # a multiple of 600: ten-minute windows start here


class Clock:
    """A clock the test moves by hand, so windows end when the test says."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now


@pytest.fixture
def clock() -> Clock:
    """A fake clock 100 seconds into a ten-minute window."""
    return Clock(START + 100)


@pytest.fixture(params=["database", "redis"])
async def throttle(request, settings, engine, clock) -> AsyncIterator[Throttle]:
    """A throttle on each backend, with keys of this test's own."""
    if request.param == "database":
        yield DatabaseThrottle(create_session_factory(engine), clock=clock)
        return
    if not settings.redis_url:
        pytest.skip("the Redis throttle is tested when JITASA_TEST_REDIS_URL is set")
    prefix = f"{settings.redis_prefix}{uuid.uuid4().hex[:8]}:"
    client = redis.from_url(settings.redis_url)
    yield RedisThrottle(client, prefix=prefix, clock=clock)
    names = [name async for name in client.scan_iter(match=f"{prefix}*")]
    if names:
        await client.delete(*names)
    await client.aclose()


async def test_hits_up_to_the_limit_pass_then_429_with_retry_after(throttle):
    for _ in range(3):
        await throttle.hit("phone:+66812345678", limit=3, window_seconds=600)
    with pytest.raises(TooManyRequests) as refused:
        await throttle.hit("phone:+66812345678", limit=3, window_seconds=600)
    assert refused.value.code == "auth.too_many"
    assert refused.value.status == 429
    assert refused.value.params == {"retry_after": 500}  # the window ends at START + 600


async def test_a_new_window_starts_afresh(throttle, clock):
    for _ in range(2):
        await throttle.hit("k", limit=2, window_seconds=600)
    with pytest.raises(TooManyRequests):
        await throttle.hit("k", limit=2, window_seconds=600)
    clock.now = START + 600
    await throttle.hit("k", limit=2, window_seconds=600)
    await throttle.hit("k", limit=2, window_seconds=600)


async def test_keys_are_counted_apart(throttle):
    await throttle.hit("address:10.0.0.1", limit=1, window_seconds=60)
    await throttle.hit("address:10.0.0.2", limit=1, window_seconds=60)
    with pytest.raises(TooManyRequests):
        await throttle.hit("address:10.0.0.1", limit=1, window_seconds=60)


async def test_reset_forgets_only_that_key(throttle):
    await throttle.hit("otp:1", limit=1, window_seconds=600)
    await throttle.hit("otp:1:more", limit=1, window_seconds=600)
    await throttle.reset("otp:1")
    await throttle.hit("otp:1", limit=1, window_seconds=600)
    with pytest.raises(TooManyRequests):
        await throttle.hit("otp:1:more", limit=1, window_seconds=600)


async def test_windows_counted_from_an_origin_do_not_split_at_the_epochs_boundaries(
    throttle, clock
):
    created = START + 590  # ten seconds before an epoch-aligned ten-minute window ends
    clock.now = created + 5
    for _ in range(3):
        await throttle.hit("code", limit=5, window_seconds=360, window_origin=created)
    clock.now = created + 200  # past START + 600, still in the code's own window
    for _ in range(2):
        await throttle.hit("code", limit=5, window_seconds=360, window_origin=created)
    with pytest.raises(TooManyRequests) as refused:
        await throttle.hit("code", limit=5, window_seconds=360, window_origin=created)
    assert refused.value.params == {"retry_after": 160}


async def test_simultaneous_hits_let_exactly_the_limit_through(throttle):
    async def attempt() -> bool:
        try:
            await throttle.hit("storm", limit=10, window_seconds=600)
        except TooManyRequests:
            return False
        return True

    outcomes = await asyncio.gather(*(attempt() for _ in range(40)))
    assert outcomes.count(True) == 10


async def test_too_long_windows_are_refused(throttle):
    with pytest.raises(ValueError):
        await throttle.hit("k", limit=1, window_seconds=2 * 24 * 3600)


async def test_very_long_keys_are_counted_by_their_hash(throttle):
    long_key = "address:" + "f" * 300
    await throttle.hit(long_key, limit=1, window_seconds=60)
    with pytest.raises(TooManyRequests):
        await throttle.hit(long_key, limit=1, window_seconds=60)
    await throttle.hit(long_key[:-1] + "e", limit=1, window_seconds=60)


async def test_database_drops_windows_that_have_ended(engine, session, clock):
    throttle = DatabaseThrottle(create_session_factory(engine), clock=clock)
    await throttle.hit("left-behind", limit=5, window_seconds=600)
    await throttle.hit("busy", limit=5, window_seconds=600)
    clock.now += 600
    await throttle.hit("busy", limit=5, window_seconds=600)  # a new window drops busy's old one
    assert await session.scalar(select(func.count()).where(RateLimitWindow.key == "busy")) == 1
    clock.now += 2 * 24 * 3600
    await throttle.hit("busy", limit=5, window_seconds=600)
    assert (
        await session.scalar(
            select(func.count())
            .select_from(RateLimitWindow)
            .where(RateLimitWindow.key == "left-behind")
        )
        == 0
    )


async def test_database_counts_survive_the_callers_rollback(engine, session, clock):
    throttle = DatabaseThrottle(create_session_factory(engine), clock=clock)
    async with create_session_factory(engine)() as request_session:
        await throttle.hit("failed-attempt", limit=5, window_seconds=600)
        await request_session.rollback()
    hits = await session.scalar(
        select(RateLimitWindow.hits).where(RateLimitWindow.key == "failed-attempt")
    )
    assert hits == 1


async def test_unreachable_redis_refuses_with_503():
    client = redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=1)
    throttle = RedisThrottle(client, prefix="jitasa-test:")
    with pytest.raises(ThrottleUnavailable) as refused:
        await throttle.hit("k", limit=1, window_seconds=60)
    assert refused.value.status == 503
    await throttle.aclose()


async def test_the_backend_follows_the_settings(settings, engine):
    factory = create_session_factory(engine)
    on_database = throttle_for(settings.model_copy(update={"redis_url": None}), factory)
    on_redis = throttle_for(settings.model_copy(update={"redis_url": "redis://127.0.0.1"}), factory)
    assert isinstance(on_database, DatabaseThrottle)
    assert isinstance(on_redis, RedisThrottle) and on_redis.prefix.startswith(settings.redis_prefix)
    await on_redis.aclose()
