"""The `jitasa worker` and `jitasa jobs` commands: the durable job queue from the shell."""

import asyncio
import json
import signal
from contextlib import nullcontext, suppress
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jitasa import jobs
from jitasa.cli_support import console, errors_console, fail, in_transaction, run
from jitasa.core import jobs as queue
from jitasa.core.config import Settings, get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.errors import NotFound
from jitasa.core.fields import MAX_ROW_ID
from jitasa.core.i18n import thai, translate
from jitasa.core.jobs import Job, JobState
from jitasa.core.observability import configure_logging
from jitasa.realtime.dispatcher import live_updates
from jitasa.realtime.hub import hub_for

jobs_app = typer.Typer(help="The job queue.", no_args_is_help=True)
ALREADY_OVER = "already {state}; nothing to cancel"
LOG_WIDTH = 200


async def _work(settings: Settings, *, once: bool, interval: float | None) -> dict[str, int]:
    """Run the periodic jobs once, or until SIGINT/SIGTERM, on the configured database."""
    engine = create_engine(settings)
    try:
        session_factory = create_session_factory(engine)
        if once:
            return await jobs.run_once(session_factory, settings=settings)
        loop, this_task = asyncio.get_running_loop(), asyncio.current_task()
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(stop_signal, this_task.cancel)
        # Through the in-memory hub, events this process took would never reach the web
        # process's streams: only through Redis does the worker publish them too.
        read_session_factory = create_session_factory(engine, mode="read")
        publishing = (
            live_updates(hub_for(settings), session_factory, read_session_factory, dispatch=True)
            if settings.redis_url
            else nullcontext()
        )
        # A stop cancels the pass in progress; its transaction rolls back and reruns next time.
        with suppress(asyncio.CancelledError):
            async with publishing:
                await jobs.run_forever(session_factory, settings=settings, interval=interval)
        return {}
    finally:
        await engine.dispose()


def worker(
    once: Annotated[bool, typer.Option("--once", help="Run every job once, then exit")] = False,
    interval: Annotated[
        float | None,
        typer.Option(
            min=1,
            help="Seconds between runs (default: JITASA_JOBS_INTERVAL_SECONDS, or 60 if it is 0)",
        ),
    ] = None,
) -> None:
    """Run the periodic jobs; with Redis configured, also publish live-update events."""
    settings = get_settings()
    configure_logging(settings)
    try:
        counts = run(_work(settings, once=once, interval=interval))
    except ExceptionGroup as failures:
        errors_console.print(
            f"[bold red]{len(failures.exceptions)} job(s) failed[/]; see the log for details."
        )
        raise typer.Exit(1) from None
    if once:
        print(json.dumps(counts))


async def _jobs(settings: Settings, *, state: JobState | None, limit: int) -> list[Job]:
    """Return the newest jobs, in one state or all."""
    return await in_transaction(
        settings, lambda session: queue.newest(session, state=state, limit=limit)
    )


@jobs_app.command("list")
def jobs_list(
    state: Annotated[JobState | None, typer.Option(help="Only jobs in this state")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first")] = 50,
) -> None:
    """Show the newest jobs: kind, state, progress, attempts, next run and last error."""
    table = Table("id", "kind", "state", "progress", "attempts", "run after", "last error")
    for job in run(_jobs(get_settings(), state=state, limit=limit)):
        table.add_row(
            str(job.id),
            job.kind,
            job.state,
            f"{job.progress:.0%}",
            f"{job.attempts}/{job.max_attempts}",
            job.run_after.isoformat(timespec="seconds"),
            (job.last_error or "")[:60],
        )
    # Piped into a log or a script, rows are printed whole rather than cut to 80 columns.
    (console if console.is_terminal else Console(width=LOG_WIDTH)).print(table)


@jobs_app.command("cancel")
def jobs_cancel(
    job_id: Annotated[int, typer.Argument(min=1, max=MAX_ROW_ID, help="The job's id")],
) -> None:
    """Cancel a queued job at once, or ask a running one to stop at its next check-in."""

    async def cancel(session) -> tuple[Job | None, JobState | None]:
        job = await queue.get(session, job_id)
        if job is None:
            return None, None
        before = job.state
        return await queue.cancel(session, job_id), before

    job, before = run(in_transaction(get_settings(), cancel))
    if job is None:
        fail(NotFound("job.not_found", "No job has the id {id}.", {"id": job_id}))
    if before == JobState.QUEUED:
        said = "cancelled"
    elif before == JobState.RUNNING:
        said = "running; asked to stop at its next check-in"
    else:
        said = translate(ALREADY_OVER, "en", state=before)
        said += " / " + thai(ALREADY_OVER, state=before)
    print(f"job {job.id} ({job.kind}): {said}")
