"""The `jitasa incidents` commands: list incidents, choose the default, close, reopen, archive."""

from collections.abc import Awaitable, Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from jitasa.cli_support import console, fail, in_transaction, run
from jitasa.core.config import get_settings
from jitasa.core.errors import DomainError
from jitasa.incidents import service as incidents_service
from jitasa.incidents.models import Incident

incidents_app = typer.Typer(
    help="Incidents: the default one, closing and archiving.", no_args_is_help=True
)
LOG_WIDTH = 200
Code = Annotated[str, typer.Argument(help="The incident's code, such as covid-19")]


@incidents_app.command("list")
def incidents_list() -> None:
    """Show every incident, newest first: code, names, state and which one is the default."""

    async def listed(session) -> list[tuple[str, str, str, str]]:
        incidents = await incidents_service.list_incidents(session, active=None)
        return [
            (i.code, f"{i.name_th} / {i.name_en}", i.state, "default" if i.is_default else "")
            for i in incidents
        ]

    table = Table("code", "name", "state", "default")
    for row in run(in_transaction(get_settings(), listed)):
        table.add_row(*row)
    (console if console.is_terminal else Console(width=LOG_WIDTH)).print(table)


def _change(work: Callable[..., Awaitable[Incident]], code: str) -> None:
    """Run one change of an incident and print its state, or fail in English and Thai."""

    async def change(session) -> str:
        incident = await work(session, code=code)
        default = ", default" if incident.is_default else ""
        return f"{incident.code}: {incident.state}{default}"

    try:
        print(run(in_transaction(get_settings(), change)))
    except DomainError as error:
        fail(error)


@incidents_app.command("default")
def incidents_default(code: Code) -> None:
    """Make this active incident the default: requests that name no incident join it."""
    _change(incidents_service.make_default, code)


@incidents_app.command("close")
def incidents_close(code: Code) -> None:
    """Close an incident: it takes no new requests (never the default one)."""
    _change(incidents_service.close, code)


@incidents_app.command("reopen")
def incidents_reopen(code: Code) -> None:
    """Let a closed incident take new requests again."""
    _change(incidents_service.reopen, code)


@incidents_app.command("archive")
def incidents_archive(code: Code) -> None:
    """Archive a closed incident: it leaves the map's choices for good."""
    _change(incidents_service.archive, code)
