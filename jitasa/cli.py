"""The `jitasa` command line: serve, demo, db, areas, users, tokens, worker, jobs."""

import asyncio
import json
import signal
from collections.abc import Coroutine
from contextlib import nullcontext, suppress
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from jitasa import demo as demo_setup
from jitasa import jobs
from jitasa.accounts import service as accounts_service
from jitasa.accounts.schemas import UserRead
from jitasa.areas import service as areas_service
from jitasa.areas.boundaries import read_boundary_file
from jitasa.core import jobs as queue
from jitasa.core.config import Settings, get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.db_errors import missing_schema
from jitasa.core.errors import DomainError, NotFound, NotReady
from jitasa.core.jobs import Job, JobState
from jitasa.core.observability import configure_logging
from jitasa.core.thai import format_phone, normalize_phone
from jitasa.core.words import Role
from jitasa.demo_scenario import DEMO_PASSWORD, STAFF
from jitasa.main import create_app
from jitasa.map import registry as map_registry
from jitasa.migrate import upgrade
from jitasa.realtime.dispatcher import live_updates
from jitasa.realtime.hub import hub_for

app = typer.Typer(help="Jitasa (จิตอาสา): a help map for Thailand.", no_args_is_help=True)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
areas_app = typer.Typer(help="Areas and their boundaries.", no_args_is_help=True)
users_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
jobs_app = typer.Typer(help="The job queue.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(jobs_app, name="jobs")
console = Console()
errors_console = Console(stderr=True)


def fail(error: DomainError) -> None:
    """Print a domain error in English and Thai, with its field errors, and exit with 1."""
    errors_console.print(f"[bold red]{error.detail}[/]\n{error.detail_th}")
    if error.errors:
        table = Table("field", "problem", "ปัญหา")
        for field_error in error.errors:
            table.add_row(field_error.field, field_error.message, field_error.message_th)
        errors_console.print(table)
    raise typer.Exit(1)


T = TypeVar("T")
NOT_UPGRADED = "The database has not been upgraded yet: run `jitasa db upgrade` first."


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's database work; a database without this version's tables is told plainly."""
    try:
        return asyncio.run(work)
    except DBAPIError as error:
        if not missing_schema(error):
            raise
        fail(NotReady("server.not_ready", NOT_UPGRADED))


async def _upgrade(settings: Settings) -> None:
    """Migrate the database and print what changed."""
    engine = create_engine(settings)
    try:
        report = await upgrade(engine)
    finally:
        await engine.dispose()
    if report.default_incident_created:
        console.print("Created the default COVID-19 incident with its help categories.")
    if report.revision_before == report.revision_after and not report.areas_changed:
        console.print(f"Database is up to date (revision {report.revision_after}).")
    else:
        console.print(
            f"Database migrated {report.revision_before or 'empty'} → {report.revision_after}; "
            f"{report.areas_changed} areas added or corrected."
        )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database and load the area list (safe to run again)."""
    run(_upgrade(get_settings()))


async def _recount_map(settings: Settings) -> int:
    """Rebuild the per-cell counts of every map layer, in one transaction."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            rows = sum((await map_registry.recount_all(session)).values())
            await session.commit()
            return rows
    finally:
        await engine.dispose()


@db_app.command("recount-map")
def db_recount_map() -> None:
    """Rebuild the cluster counts of every map layer (after loading rows in bulk)."""
    rows = run(_recount_map(get_settings()))
    console.print(f"Map counts rebuilt: {rows:,} cell rows.")


async def _load_boundaries(settings: Settings, path: Path) -> int:
    """Check a boundary file whole, then store it in one transaction."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            boundaries = read_boundary_file(path, await areas_service.known_codes(session))
            count = await areas_service.load_boundaries(session, boundaries=boundaries)
            await session.commit()
            return count
    finally:
        await engine.dispose()


@areas_app.command("load-boundaries")
def load_boundaries(
    file: Annotated[Path, typer.Argument(help="GeoJSON (or .geojson.gz) boundary file")],
) -> None:
    """Load area boundaries (OCHA ADMn_PCODE or DOPA codes); all or nothing."""
    try:
        count = run(_load_boundaries(get_settings(), file))
    except DomainError as error:
        fail(error)
    console.print(f"Loaded {count} boundaries from {file}.")


async def _in_transaction(settings: Settings, work):
    """Run `work(session)` in one committed transaction on the configured database."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def _roles(values: list[str]) -> set[Role]:
    """Read roles given as repeated options or comma-separated."""
    names = {name.strip() for value in values for name in value.split(",") if name.strip()}
    unknown = names - {role.value for role in Role}
    if unknown:
        errors_console.print(
            f"Unknown role {', '.join(sorted(unknown))}; "
            f"choose from {', '.join(r.value for r in Role)}."
        )
        raise typer.Exit(2)
    return {Role(name) for name in names}


@users_app.command("create")
def users_create(
    phone: Annotated[str, typer.Option(help="Thai phone number")],
    role: Annotated[list[str], typer.Option(help="requester, volunteer, coordinator, admin")],
    area: Annotated[
        str | None, typer.Option(help="Area scope (DOPA code) of a coordinator")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    password: Annotated[str | None, typer.Option(help="Password for staff sign-in")] = None,
) -> None:
    """Create or update a user (roles are added to those held); print it as JSON."""
    roles = _roles(role)
    try:
        user = run(
            _in_transaction(
                get_settings(),
                lambda session: accounts_service.save_user(
                    session,
                    phone=normalize_phone(phone),
                    roles=roles,
                    area_code=area,
                    display_name=name,
                    password=password,
                ),
            )
        )
    except DomainError as error:
        fail(error)
    print(UserRead.model_validate(user).model_dump_json())


@tokens_app.command("create")
def tokens_create(
    phone: Annotated[str, typer.Option(help="Phone number of the token's user")],
    name: Annotated[str, typer.Option(help="What the token is for")] = "",
) -> None:
    """Print a new API token for the user with this phone."""

    async def create(session):
        user = await accounts_service.get_by_phone(session, phone=normalize_phone(phone))
        if user is None:
            raise NotFound(
                "users.no_phone", "No user has the phone number {phone}.", {"phone": phone}
            )
        return (await accounts_service.create_token(session, user=user, name=name))[1]

    try:
        print(run(_in_transaction(get_settings(), create)))
    except DomainError as error:
        fail(error)


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


@app.command()
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
    return await _in_transaction(
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
    console.print(table)


@jobs_app.command("cancel")
def jobs_cancel(job_id: Annotated[int, typer.Argument(min=1, help="The job's id")]) -> None:
    """Cancel a queued job at once, or ask a running one to stop at its next check-in."""

    async def cancel(session) -> tuple[Job | None, JobState | None]:
        job = await queue.get(session, job_id)
        if job is None:
            return None, None
        before = job.state
        return await queue.cancel(session, job_id), before

    job, before = run(_in_transaction(get_settings(), cancel))
    if job is None:
        fail(NotFound("job.not_found", "No job has the id {id}.", {"id": job_id}))
    if before == JobState.QUEUED:
        said = "cancelled"
    elif before == JobState.RUNNING:
        said = "running; asked to stop at its next check-in"
    else:
        said = f"already {before}; nothing to cancel"
    print(f"job {job.id} ({job.kind}): {said}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Run the web application with the configured database."""
    settings = get_settings()
    uvicorn.run(
        "jitasa.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


def _print_demo_sign_ins(settings: Settings) -> None:
    """Show who can sign in to the demo, and where one-time codes appear."""
    table = Table("staff sign-in (/staff/signin)", "phone", "password", "area")
    for staff in STAFF:
        table.add_row(
            staff.name,
            format_phone(staff.phone),
            DEMO_PASSWORD,
            staff.area_code or "ทั้งประเทศ / everywhere",
        )
    console.print(table)
    console.print(
        "Volunteers (081 100 0001 … 081 100 0010) and requesters sign in at /signin with a "
        f"one-time code, printed in this log and in {settings.data_dir / 'console-messages.jsonl'}."
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Run the embedded demo: SQLite, Thailand's areas and boundaries, a Chiang Mai scenario."""
    settings = demo_setup.demo_settings(get_settings())

    async def prepare() -> tuple[int, dict[str, int]]:
        await _upgrade(settings)
        engine = create_engine(settings)
        try:
            loaded = await demo_setup.load_packaged_boundaries(engine)
            return loaded, await demo_setup.seed_scenario(engine)
        finally:
            await engine.dispose()

    loaded, added = run(prepare())
    if loaded:
        console.print(f"Loaded {loaded} province and district boundaries.")
    if added:
        console.print(
            f"Added the Chiang Mai scenario: {added['staff']} staff, "
            f"{added['volunteers']} volunteers, {added['requests']} requests."
        )
    _print_demo_sign_ins(settings)
    console.print(
        f"[bold]Jitasa demo[/] on http://127.0.0.1:{port}  (database {settings.sqlalchemy_url})"
    )
    uvicorn.run(
        create_app(settings), host="127.0.0.1", port=port, log_config=None, access_log=False
    )
