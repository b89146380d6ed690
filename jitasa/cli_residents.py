"""The `jitasa residents` commands: a person's data for a PDPA request, and the retention purge.

The national ID is asked for at a hidden prompt (or read from standard input), never taken as an
argument, so it stays out of shell history and the process list. Each command needs a reason,
which goes into the audit log with the act.
"""

import json
from typing import Annotated

import typer

from jitasa.cli_support import fail, in_transaction, run
from jitasa.core.config import get_settings
from jitasa.core.errors import DomainError
from jitasa.vaccination import residents as residents_service

residents_app = typer.Typer(
    help="Village residents registers: PDPA requests and the retention purge.",
    no_args_is_help=True,
)
NationalId = Annotated[
    str,
    typer.Option(
        prompt="National ID (เลขประจำตัวประชาชน)",
        hide_input=True,
        help="Asked for at a hidden prompt; never pass it on the command line.",
    ),
]
Reason = Annotated[
    str, typer.Option(help="The PDPA request this answers (audit-logged); required.")
]


@residents_app.command("export-person")
def export_person(reason: Reason, national_id: NationalId) -> None:
    """Print everything kept about one person as JSON (a PDPA access request)."""

    async def export(session) -> dict:
        return await residents_service.export_person(
            session, national_id=national_id, reason=reason
        )

    try:
        print(json.dumps(run(in_transaction(get_settings(), export)), ensure_ascii=False))
    except DomainError as error:
        fail(error)


@residents_app.command("delete-person")
def delete_person(reason: Reason, national_id: NationalId) -> None:
    """Delete one person from the register with their doses (a PDPA erasure request)."""

    async def erase(session) -> int:
        return await residents_service.delete_person(
            session, national_id=national_id, reason=reason
        )

    try:
        print(f"deleted {run(in_transaction(get_settings(), erase))} rows")
    except DomainError as error:
        fail(error)


@residents_app.command("purge")
def purge() -> None:
    """Delete residents unchanged for JITASA_RESIDENT_RETENTION_DAYS, with their doses."""
    days = get_settings().resident_retention_days

    async def purged(session) -> int:
        return await residents_service.purge(session, retention_days=days)

    print(f"deleted {run(in_transaction(get_settings(), purged))} residents")
