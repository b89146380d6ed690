"""The job queue: states, progress, retries with backoff, cancel, lost workers, no double runs."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from jitasa.core import jobs as queue
from jitasa.core.db import create_engine, create_session_factory, transaction, utcnow
from jitasa.core.jobs import Job, JobState

ran: list[tuple[str, int]] = []


@queue.handles("test.done")
async def finish(context: queue.JobContext) -> dict:
    """Report half-way progress, note the progress stored, and return a result."""
    await context.progress(0.5)
    async with context.session_factory() as session:
        stored = (await session.get(Job, context.job_id)).progress
    ran.append(("done", context.job_id))
    return {"seen": context.payload["n"], "progress_while_running": stored}


@queue.handles("test.broken")
async def broken(context: queue.JobContext) -> None:
    """Fail every time."""
    raise RuntimeError(f"attempt {context.attempt} failed")


@queue.handles("test.long")
async def long_running(context: queue.JobContext) -> None:
    """Work in small steps, checking in after each, for at most ten seconds."""
    for step in range(1000):
        await context.progress(step / 1000)
        await asyncio.sleep(0.01)


@queue.handles("test.slow")
async def slow(context: queue.JobContext) -> None:
    """Note which job ran, taking a little time so that workers overlap."""
    ran.append(("slow", context.job_id))
    await asyncio.sleep(0.005)


@pytest.fixture
async def own_engine(fresh_database_url, settings) -> AsyncIterator[AsyncEngine]:
    """A database of the test's own with only the jobs table."""
    url_settings = settings.model_copy(update={"database_url": fresh_database_url})
    engine = create_engine(url_settings)
    async with engine.begin() as connection:
        await connection.run_sync(Job.__table__.create)
    ran.clear()
    yield engine
    await engine.dispose()


@pytest.fixture
def factory(own_engine):
    """The write session factory a worker would have."""
    return create_session_factory(own_engine)


async def enqueue(factory, kind: str, payload: dict | None = None, **options) -> int:
    """Queue a job in its own transaction; return its id."""
    async with transaction(factory) as session:
        return await queue.enqueue(session, kind, payload, **options)


async def stored(factory, job_id: int) -> Job:
    """Return the job as stored now."""
    async with factory() as session:
        return await session.get(Job, job_id)


async def make_due(factory, job_id: int) -> None:
    """Move a job's retry time to now, as waiting out its backoff would."""
    async with transaction(factory) as session:
        await session.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow()))


async def test_a_job_runs_from_queued_to_done_with_its_progress(factory):
    job_id = await enqueue(factory, "test.done", {"n": 7})
    assert (await stored(factory, job_id)).state == JobState.QUEUED

    outcome = await queue.run_one(factory, "worker-a")

    assert (outcome.job_id, outcome.state) == (job_id, JobState.DONE)
    job = await stored(factory, job_id)
    assert (job.state, job.progress, job.attempts) == (JobState.DONE, 1.0, 1)
    assert job.result == {"seen": 7, "progress_while_running": 0.5}
    assert job.finished_at is not None and job.lease_until is None
    assert await queue.run_one(factory, "worker-a") is None


async def test_failed_attempts_wait_exponentially_longer_then_the_job_fails(factory):
    job_id = await enqueue(factory, "test.broken", max_attempts=4)
    waits = []
    for attempt in range(1, 4):
        before = utcnow()
        outcome = await queue.run_one(factory, "worker-a")
        job = await stored(factory, job_id)
        assert (outcome.state, job.state, job.attempts) == (JobState.QUEUED, "queued", attempt)
        assert f"attempt {attempt} failed" in job.last_error
        waits.append((job.run_after - before).total_seconds())
        assert await queue.run_one(factory, "worker-a") is None  # not due before its backoff
        await make_due(factory, job_id)
    base = queue.BACKOFF_SECONDS
    assert [round(wait / base) for wait in waits] == [1, 2, 4]

    outcome = await queue.run_one(factory, "worker-a")

    job = await stored(factory, job_id)
    assert (outcome.state, job.state, job.attempts) == (JobState.FAILED, "failed", 4)
    assert job.finished_at is not None
    assert isinstance(outcome.error, RuntimeError)


async def test_a_queued_job_cancelled_never_runs(factory):
    job_id = await enqueue(factory, "test.done", {"n": 1})
    async with transaction(factory) as session:
        await queue.cancel(session, job_id)

    assert await queue.run_one(factory, "worker-a") is None
    job = await stored(factory, job_id)
    assert (job.state, job.attempts, ran) == (JobState.CANCELLED, 0, [])
    assert job.finished_at is not None


async def test_a_running_job_stops_at_its_next_check_in_after_a_cancel(factory):
    job_id = await enqueue(factory, "test.long")
    running = asyncio.create_task(queue.run_one(factory, "worker-a"))
    async with asyncio.timeout(10):
        while (await stored(factory, job_id)).progress == 0:
            await asyncio.sleep(0.01)
    async with transaction(factory) as session:
        assert (await queue.cancel(session, job_id)).state == JobState.RUNNING

    async with asyncio.timeout(10):
        outcome = await running

    job = await stored(factory, job_id)
    assert (outcome.state, job.state) == (JobState.CANCELLED, JobState.CANCELLED)
    assert 0 < job.progress < 1


async def test_a_job_whose_worker_died_is_run_again_by_another(factory):
    job_id = await enqueue(factory, "test.done", {"n": 3})
    # Claimed by a worker that is then killed: it never finishes, nor renews its lease.
    assert (await queue.claim(factory, "killed-worker", lease_seconds=60)).id == job_id
    assert await queue.run_one(factory, "worker-b") is None  # its lease still holds

    async with transaction(factory) as session:
        expired = utcnow() - timedelta(seconds=1)
        await session.execute(update(Job).where(Job.id == job_id).values(lease_until=expired))
    outcome = await queue.run_one(factory, "worker-b")

    job = await stored(factory, job_id)
    assert (outcome.job_id, job.state, job.attempts) == (job_id, JobState.DONE, 2)
    assert job.locked_by == "worker-b"


async def test_a_worker_lost_on_the_last_attempt_fails_the_job(factory):
    job_id = await enqueue(factory, "test.done", {"n": 3}, max_attempts=1)
    await queue.claim(factory, "killed-worker", lease_seconds=-1)  # its lease ran out already

    assert await queue.run_one(factory, "worker-b") is None
    job = await stored(factory, job_id)
    assert (job.state, job.attempts, ran) == (JobState.FAILED, 1, [])
    assert "worker" in job.last_error


async def test_two_workers_never_run_the_same_job(own_engine, settings, fresh_database_url):
    ids = [await enqueue(create_session_factory(own_engine), "test.slow") for _ in range(30)]
    url_settings = settings.model_copy(update={"database_url": fresh_database_url})
    engines = [own_engine, create_engine(url_settings)]

    async def work(engine, name: str) -> int:
        count = 0
        while await queue.run_one(create_session_factory(engine), name):
            count += 1
        return count

    try:
        counts = await asyncio.gather(work(engines[0], "worker-a"), work(engines[1], "worker-b"))
    finally:
        await engines[1].dispose()
    assert sorted(job_id for _kind, job_id in ran) == ids
    assert sum(counts) == len(ids) and all(counts), counts


async def test_a_unique_key_keeps_one_waiting_instance(factory):
    first = await enqueue(factory, "test.done", {"n": 1}, unique_key="only-one")
    assert await enqueue(factory, "test.done", {"n": 2}, unique_key="only-one") == first
    await queue.run_one(factory, "worker-a")
    again = await enqueue(factory, "test.done", {"n": 3}, unique_key="only-one")
    assert again != first


async def test_a_job_of_an_unknown_kind_fails_by_name(factory):
    job_id = await enqueue(factory, "test.nobody_handles_this", max_attempts=1)
    await queue.run_one(factory, "worker-a")
    job = await stored(factory, job_id)
    assert job.state == JobState.FAILED
    assert "test.nobody_handles_this" in job.last_error


async def test_a_worker_stopped_mid_job_puts_it_back_uncounted(factory):
    job_id = await enqueue(factory, "test.long")
    running = asyncio.create_task(queue.run_one(factory, "worker-a"))
    async with asyncio.timeout(10):
        while (await stored(factory, job_id)).progress == 0:
            await asyncio.sleep(0.01)

    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running

    job = await stored(factory, job_id)
    assert (job.state, job.attempts, job.locked_by) == (JobState.QUEUED, 0, None)


async def test_a_stopping_worker_ends_a_long_job_at_its_next_check_in_and_queues_it_again(
    factory,
):
    job_id = await enqueue(factory, "test.long")
    stopping = asyncio.Event()
    running = asyncio.create_task(queue.run_one(factory, "worker-a", stopping=stopping))
    async with asyncio.timeout(10):
        while (await stored(factory, job_id)).progress == 0:
            await asyncio.sleep(0.01)

    stopping.set()
    async with asyncio.timeout(10):
        outcome = await running

    assert (outcome.state, outcome.error) == (JobState.QUEUED, None)
    job = await stored(factory, job_id)
    assert (job.state, job.attempts, job.locked_by) == (JobState.QUEUED, 0, None)
    assert job.progress < 1


async def test_an_idle_worker_polls_without_the_write_lock(own_engine, factory):
    if own_engine.dialect.name != "sqlite":
        pytest.skip("only SQLite has one write lock for the whole database")
    async with factory() as holder:
        await holder.execute(update(Job).values(progress=0))  # BEGIN IMMEDIATE: lock held
        async with asyncio.timeout(2):  # far below the busy timeout a writer would wait
            assert await queue.run_one(factory, "worker-a") is None
        await holder.rollback()
