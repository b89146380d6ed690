"""What every `jitasa` command shares: its consoles, its clear failures, its database work."""

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.db_errors import missing_schema
from jitasa.core.errors import DomainError, NotReady
from jitasa.core.validation import field_errors, invalid_input

console = Console()
errors_console = Console(stderr=True)


def fail(error: DomainError) -> None:
    """Print a domain error in English and Thai, with its field errors, and exit with 1."""
    errors_console.print(f"[bold red]{error.detail}[/]\n{error.detail_th}")
    # One line a problem, never a table: a narrow terminal or a log must not cut a message.
    for field_error in error.errors:
        errors_console.print(
            f"- {field_error.field}: {field_error.message}\n  {field_error.message_th}",
            soft_wrap=True,
            highlight=False,
        )
    raise typer.Exit(1)


T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
NOT_UPGRADED = "The database has not been upgraded yet: run `jitasa db upgrade` first."


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's database work; a database without this version's tables is told plainly."""
    try:
        return asyncio.run(work)
    except DBAPIError as error:
        if not missing_schema(error):
            raise
        fail(NotReady("server.not_ready", NOT_UPGRADED))


async def in_transaction(settings: Settings, work):
    """Run `work(session)` in one committed transaction on the configured database."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def checked(schema: type[M], **values: object) -> M:
    """Check command-line values with the API's own schema; bad ones end the command clearly."""
    try:
        return schema(**values)
    except ValidationError as error:
        fail(invalid_input(field_errors(error)))
