"""The `jitasa` command line: serve, demo, db, areas, users, tokens, worker, jobs,
incidents, import, export."""

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.table import Table

from jitasa import demo as demo_setup
from jitasa.accounts import policy
from jitasa.accounts import service as accounts_service
from jitasa.accounts.schemas import TokenCreate, UserRead, UserSave
from jitasa.areas import service as areas_service
from jitasa.areas.boundaries import read_boundary_file
from jitasa.cli_exports import export
from jitasa.cli_imports import import_file
from jitasa.cli_incidents import incidents_app
from jitasa.cli_jobs import jobs_app, worker
from jitasa.cli_residents import residents_app
from jitasa.cli_support import (
    checked,
    console,
    database_shown,
    errors_console,
    fail,
    file_errors,
    in_transaction,
    require_free_port,
    require_upgraded,
    run,
    server_options,
)
from jitasa.core.config import Settings, get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.errors import DomainError, NotFound
from jitasa.core.thai import format_phone, normalize_phone
from jitasa.core.words import Role
from jitasa.dashboard.schemas import ReportQuery
from jitasa.demo_register import VHV_PHONE
from jitasa.demo_scenario import DEMO_PASSWORD, STAFF
from jitasa.facilities import service as facilities_service
from jitasa.main import create_app
from jitasa.map import registry as map_registry
from jitasa.migrate import upgrade
from jitasa.web import dashboard_pages, report_pdf

app = typer.Typer(help="Jitasa (จิตอาสา): a help map for Thailand.", no_args_is_help=True)
db_app = typer.Typer(help="Create and migrate the database.", no_args_is_help=True)
areas_app = typer.Typer(help="Areas and their boundaries.", no_args_is_help=True)
users_app = typer.Typer(help="People and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(jobs_app, name="jobs")
app.add_typer(incidents_app, name="incidents")
app.add_typer(residents_app, name="residents")
app.command()(worker)
app.command()(export)
app.command("import")(import_file)


async def _upgrade(settings: Settings) -> None:
    """Migrate the database and print which one and what changed."""
    engine = create_engine(settings)
    # Named first: a data directory or URL other than the server's is the usual mistake.
    console.print(f"Database: {engine.url.render_as_string(hide_password=True)}", highlight=False)
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
    user_in = checked(
        UserSave,
        phone=phone,
        roles=sorted(_roles(role)),
        area_code=area,
        display_name=name,
        password=password,
    )
    try:
        user = run(
            in_transaction(
                get_settings(),
                lambda session: accounts_service.save_user(
                    session,
                    phone=user_in.phone,
                    roles=set(user_in.roles),
                    area_code=user_in.area_code,
                    display_name=user_in.display_name,
                    password=user_in.password,
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
    facility: Annotated[
        int | None,
        typer.Option(min=1, help="Only for pushing this facility's capacity (a hospital system)"),
    ] = None,
) -> None:
    """Print a new API token for the user with this phone (or for one facility's capacity)."""
    token_in = checked(TokenCreate, name=name)

    async def create(session):
        user = await accounts_service.get_by_phone(session, phone=normalize_phone(phone))
        if user is None:
            raise NotFound(
                "users.no_phone", "No user has the phone number {phone}.", {"phone": phone}
            )
        scope = None
        if facility is not None:
            found = await facilities_service.get_or_raise(session, facility_id=facility)
            scope = policy.facility_scope(found.id)
        token = await accounts_service.create_token(
            session, user=user, name=token_in.name, scope=scope
        )
        return token[1]

    try:
        print(run(in_transaction(get_settings(), create)))
    except DomainError as error:
        fail(error)


@app.command()
def report(
    area: Annotated[str, typer.Option(help="Area code (DOPA), such as 50 or 5001")],
    out: Annotated[Path, typer.Option(help="File to write: HTML, or PDF when it ends in .pdf")],
    date: Annotated[
        str | None, typer.Option(help="Bangkok day, YYYY-MM-DD (default: today)")
    ] = None,
    lang: Annotated[str, typer.Option(help="th or en")] = "th",
) -> None:
    """Write the area's one-page daily situation report as a printable HTML or a PDF file."""
    query = checked(ReportQuery, area=area, date=date, lang=lang)
    settings = get_settings()

    async def write(session):
        return await dashboard_pages.report_file(
            session,
            area=query.area,
            day=query.date,
            language=query.lang,
            stale_hours=settings.facility_stale_hours,
        )

    try:
        page = run(in_transaction(settings, write))
        content = report_pdf.to_pdf(page) if out.suffix.lower() == ".pdf" else page.encode()
    except DomainError as error:
        fail(error)
    with file_errors(out, option="--out", writing=True):
        out.write_bytes(content)
    console.print(f"{out}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to listen on")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Run the web application with the configured database."""
    settings = get_settings()
    require_free_port(host or settings.host, port or settings.port)
    require_upgraded(settings)
    uvicorn.run(
        "jitasa.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        **server_options(),
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
    console.print(
        f"The อสม. of หมู่ที่ 3 ศรีภูมิ ({format_phone(VHV_PHONE)}, password {DEMO_PASSWORD}) signs in "
        "at /staff/signin and follows up the village at /volunteer/followups."
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
) -> None:
    """Run the embedded demo: SQLite, Thailand's areas and boundaries, a Chiang Mai scenario."""
    settings = demo_setup.demo_settings(get_settings())
    require_free_port("127.0.0.1", port)  # before the minutes of loading, not after

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
    database = database_shown(settings)
    console.print(f"[bold]Jitasa demo[/] on http://127.0.0.1:{port}  (database {database})")
    console.print(
        "Other jitasa commands work on the demo's database when told where it is, in another "
        f"terminal: JITASA_DATABASE_URL={database} jitasa report --area 50 --out report.pdf",
        soft_wrap=True,
        highlight=False,
    )
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, **server_options())
