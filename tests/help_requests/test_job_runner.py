"""The periodic jobs runner: one pass of every job, failures, races, the web process, the worker."""

import asyncio
import contextlib
import json
import random
import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from jitasa import jobs as runner
from jitasa.cli import app as cli_app
from jitasa.core.config import get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.jobs import Job, JobState
from jitasa.core.observability import configure_logging
from jitasa.help_requests import jobs, lifecycle
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import Actor, Status
from jitasa.main import create_app
from tests.help_requests.job_helpers import age, claimed_request, events_of, new_request, reload


async def test_run_once_runs_every_job_and_returns_the_counts(session, engine, settings):
    overdue = await new_request(session, category="medical_help", urgency="red")
    await age(session, overdue, created_at=timedelta(minutes=20))
    stale = await claimed_request(session)
    await age(session, stale, updated_at=timedelta(hours=50))
    forgotten = await new_request(session)
    await age(session, forgotten, created_at=timedelta(days=4), updated_at=timedelta(days=4))
    closed = await new_request(session)
    await lifecycle.transition(
        session, help_request=closed, user=None, to=Status.EXPIRED, actors={Actor.SYSTEM}
    )
    await session.commit()
    await age(session, closed, closed_at=timedelta(days=100))

    counts = await runner.run_once(create_session_factory(engine), settings=settings)

    # The forgotten request expires before escalation runs, so it is not escalated as well.
    assert counts == {
        "expired": 1,
        "past_sla": 1,
        "stale_claims": 1,
        "anonymised": 1,
        "idempotency_purged": 0,
        "events_purged": 0,
        "notifications_purged": 0,
        "notifications_stranded": 0,
    }
    assert await events_of(session, forgotten, "escalated") == []
    assert await runner.run_once(
        create_session_factory(engine), settings=settings
    ) == dict.fromkeys(counts, 0)


async def test_runner_survives_a_failing_job_and_still_runs_the_others(
    session, engine, settings, monkeypatch
):
    failures = []

    async def broken_job(_session, *, now, limit=None):
        failures.append(now)
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(jobs, "flag_past_sla", broken_job)
    forgotten = await new_request(session)
    await age(session, forgotten, updated_at=timedelta(days=4))
    session_factory = create_session_factory(engine)

    with pytest.raises(ExceptionGroup):
        await runner.run_once(session_factory, settings=settings)
    assert (await reload(session, forgotten)).status == Status.EXPIRED

    loop = asyncio.create_task(
        runner.run_forever(session_factory, settings=settings, interval=0.01)
    )
    for _ in range(500):
        if len(failures) >= 3:
            break
        await asyncio.sleep(0.01)
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    assert len(failures) >= 3


async def open_write_transactions(engine) -> int:
    """Count transactions left open on the test database by its connections but one's own.

    On SQLite, whether a writer would wait: 1 when `BEGIN IMMEDIATE` cannot start within a
    second (an open writer holds the lock), else 0. On PostgreSQL, the transactions idle in
    the same state 0.2 s apart.
    """
    if engine.dialect.name == "sqlite":
        connection = sqlite3.connect(engine.url.database, timeout=1.0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return 0
        except sqlite3.OperationalError:
            return 1
        finally:
            connection.close()
    # Other connections of the test process (a served app's pollers) pass through "idle in
    # transaction" for an instant between their statements: a transaction left open is the same
    # one (backend and start) seen twice, 0.2 s apart.
    idle = text(
        "SELECT pid, xact_start FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
    )
    async with engine.connect() as connection:
        before = set((await connection.execute(idle)).all())
        await asyncio.sleep(0.2)
        after = set((await connection.execute(idle)).all())
    return len(before & after)


async def test_a_runner_cancelled_at_any_moment_leaves_no_transaction_open(engine, settings):
    # Cancelled inside a statement, a task could leave its SQLite connection holding the write
    # lock until garbage collection (one cancel in ten did, before the runner stopped only
    # between units): every writer after it then failed with "database is locked".
    session_factory = create_session_factory(engine)
    moments = random.Random(18)
    for _ in range(40):
        loop = asyncio.create_task(
            runner.run_forever(session_factory, settings=settings, interval=0.001)
        )
        await asyncio.sleep(moments.uniform(0, 0.08))
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        assert await open_write_transactions(engine) == 0


async def test_racing_runners_flag_each_request_exactly_once(session, settings, monkeypatch):
    # Small batches make the two runners' transactions interleave, row locks and all.
    monkeypatch.setattr(jobs, "BATCH_SIZE", 2)
    overdue = [await new_request(session, category="medical_help", urgency="red") for _ in range(7)]
    for help_request in overdue:
        await age(session, help_request, created_at=timedelta(minutes=30))
    engines = [create_engine(settings), create_engine(settings)]
    try:
        counts = await asyncio.gather(
            *(runner.run_once(create_session_factory(e), settings=settings) for e in engines)
        )
    finally:
        for racing_engine in engines:
            await racing_engine.dispose()

    assert sum(count["past_sla"] for count in counts) == len(overdue)
    for help_request in overdue:
        assert len(await events_of(session, help_request, "escalated")) == 1


async def test_web_process_runs_the_jobs_in_the_background_until_shutdown(session, settings):
    overdue = await new_request(session, category="medical_help", urgency="red")
    await age(session, overdue, created_at=timedelta(minutes=20))
    web = create_app(settings.model_copy(update={"jobs_interval_seconds": 0.05}))

    async with web.router.lifespan_context(web):
        assert any(task.get_name() == "jitasa-jobs" for task in asyncio.all_tasks())
        for _ in range(200):
            if (await reload(session, overdue)).sla_breached_at is not None:
                break
            await asyncio.sleep(0.05)
        assert (await reload(session, overdue)).sla_breached_at is not None

    assert not any(task.get_name() == "jitasa-jobs" for task in asyncio.all_tasks())


async def test_jobs_interval_zero_starts_no_background_runner(settings):
    web = create_app(settings)  # the test run's settings say 0

    async with web.router.lifespan_context(web):
        assert not any(task.get_name() == "jitasa-jobs" for task in asyncio.all_tasks())


@pytest.fixture
async def overdue_request(session) -> HelpRequest:
    """A red request left open for 20 minutes, in the test run's database."""
    help_request = await new_request(session, category="medical_help", urgency="red")
    await age(session, help_request, created_at=timedelta(minutes=20))
    return help_request


@pytest.fixture
def configured(monkeypatch, settings, tmp_path):
    """Point the command line at the test run's database through JITASA_* variables."""
    monkeypatch.setenv("JITASA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JITASA_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    configure_logging(settings)  # the command pointed the logs at the runner's captured stderr


def test_worker_once_runs_every_job_and_exits_0(overdue_request, configured):
    result = CliRunner().invoke(cli_app, ["worker", "--once"])

    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts == {
        "expired": 0,
        "past_sla": 1,
        "stale_claims": 0,
        "anonymised": 0,
        "idempotency_purged": 0,
        "events_purged": 0,
        "notifications_purged": 0,
        "notifications_stranded": 0,
    }


def test_jobs_list_shows_the_sweeps_the_worker_ran(overdue_request, configured):
    assert CliRunner().invoke(cli_app, ["worker", "--once"]).exit_code == 0

    # Not a terminal (as in a log or a pipe): the rows are whole, not cut to 80 columns.
    listed = CliRunner().invoke(cli_app, ["jobs", "list", "--state", "done"])

    assert listed.exit_code == 0, listed.output
    assert "sweep.past_sla" in listed.stdout and "sweep.expired" in listed.stdout
    assert "queued" not in listed.stdout
    bad = CliRunner().invoke(cli_app, ["jobs", "list", "--state", "asleep"])
    assert bad.exit_code == 2 and "--state" in bad.output


async def test_scheduling_twice_queues_one_instance_of_each_sweep(session, engine):
    session_factory = create_session_factory(engine)
    await runner.schedule(session_factory)
    await runner.schedule(session_factory)

    kinds = (await session.scalars(select(Job.kind).where(Job.state == JobState.QUEUED))).all()
    assert sorted(kinds) == sorted(runner.SWEEP + name for name in runner.SWEEPS)


async def test_a_failed_sweep_is_not_retried_but_queued_again_on_its_next_turn(
    session, engine, settings, monkeypatch
):
    async def broken_job(_session, *, now, limit=None):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(jobs, "flag_past_sla", broken_job)
    session_factory = create_session_factory(engine)
    with pytest.raises(ExceptionGroup):
        await runner.run_once(session_factory, settings=settings)
    failed = (await session.scalars(select(Job).where(Job.kind == "sweep.past_sla"))).one()
    assert (failed.state, failed.attempts, failed.unique_key) == (JobState.FAILED, 1, None)
    assert "database hiccup" in failed.last_error

    await runner.schedule(session_factory)
    again = select(Job.state).where(Job.kind == "sweep.past_sla").order_by(Job.id)
    assert (await session.scalars(again)).all() == [JobState.FAILED, JobState.QUEUED]


def queue_sweeps(settings) -> tuple[int, str]:
    """Queue every sweep on the run's database; return the oldest queued job's id and kind."""

    async def queued() -> tuple[int, str]:
        engine = create_engine(settings)
        try:
            await runner.schedule(create_session_factory(engine))
            async with create_session_factory(engine)() as session:
                job = (
                    await session.scalars(select(Job).where(Job.state == JobState.QUEUED))
                ).first()
                return job.id, job.kind
        finally:
            await engine.dispose()

    return asyncio.run(queued())


def job_state(settings, job_id: int) -> str:
    """Return a job's state, read on its own connection."""

    async def read() -> str:
        engine = create_engine(settings)
        try:
            async with create_session_factory(engine)() as session:
                return await session.scalar(select(Job.state).where(Job.id == job_id))
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_jobs_cancel_stops_a_queued_sweep_and_names_an_unknown_job(session, settings, configured):
    job_id, kind = queue_sweeps(settings)

    cancelled = CliRunner().invoke(cli_app, ["jobs", "cancel", str(job_id)])

    assert cancelled.exit_code == 0, cancelled.output
    assert f"job {job_id} ({kind}): cancelled" in cancelled.stdout
    assert job_state(settings, job_id) == JobState.CANCELLED
    again = CliRunner().invoke(cli_app, ["jobs", "cancel", str(job_id)])
    assert "already cancelled; nothing to cancel" in again.stdout
    unknown = CliRunner().invoke(cli_app, ["jobs", "cancel", "999999"])
    assert unknown.exit_code == 1
    assert "No job has the id 999999." in unknown.output and "ไม่มีงานรหัส" in unknown.output
