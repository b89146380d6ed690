"""What every `jitasa` command shares: its consoles, its clear failures, its database work."""

import asyncio
import errno
import socket
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from jitasa.core.config import Settings, get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.db_errors import missing_schema, unopenable_file
from jitasa.core.errors import DomainError, NotReady
from jitasa.core.files import file_error
from jitasa.core.validation import field_errors, invalid_input
from jitasa.migrate import is_current

console = Console()
errors_console = Console(stderr=True)


def fail(error: DomainError) -> None:
    """Print a domain error in English and Thai, with its field errors, and exit with 1."""
    # Escaped: a message may hold brackets ('jitasa[pdf]', a value typed) that Rich would eat.
    errors_console.print(f"[bold red]{escape(error.detail)}[/]\n{escape(error.detail_th)}")
    # One line a problem, never a table: a narrow terminal or a log must not cut a message.
    for field_error in error.errors:
        errors_console.print(
            escape(f"- {field_error.field}: {field_error.message}\n  {field_error.message_th}"),
            soft_wrap=True,
            highlight=False,
        )
    raise typer.Exit(1)


@contextmanager
def file_errors(path: Path, *, option: str, writing: bool) -> Iterator[None]:
    """End the command plainly, naming `option`, when the file at `path` cannot be written
    (`writing`) or read: a missing folder, no permission, a folder where a file should be."""
    try:
        yield
    except OSError as error:
        fail(file_error(error, path=path, option=option, writing=writing))


T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
NOT_UPGRADED = (
    "The database {database} has not been upgraded yet: run `jitasa db upgrade` first, or set "
    "JITASA_DATABASE_URL to the database you mean (`jitasa demo` prints its own)."
)
NO_DATABASE_FILE = (
    "The database file of {database} cannot be opened: its folder must exist and be yours to "
    "write; set JITASA_DATABASE_URL or JITASA_DATA_DIR to one that is."
)


def database_shown(settings: Settings | None = None) -> str:
    """Return the database as JITASA_DATABASE_URL would name it, without its password."""
    url = make_url((settings or get_settings()).sqlalchemy_url)
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's database work; a database without this version's tables, or a SQLite
    file that cannot be opened, is told plainly, naming the database."""
    database = make_url(get_settings().sqlalchemy_url).database
    if get_settings().is_sqlite and database and not Path(database).parent.is_dir():
        work.close()  # never started: told before SQLite fails in a thread of its own
        fail(NotReady("server.no_database_file", NO_DATABASE_FILE, {"database": database_shown()}))
    try:
        return asyncio.run(work)
    except DBAPIError as error:  # no permission on the file, say
        shown = {"database": database_shown()}
        if missing_schema(error):
            fail(NotReady("server.not_ready", NOT_UPGRADED, shown))
        if unopenable_file(error):
            fail(NotReady("server.no_database_file", NO_DATABASE_FILE, shown))
        raise


def require_upgraded(settings: Settings) -> None:
    """End the command plainly when the database lacks this version's schema (a server on it
    would answer 503 to everything but /healthz, and log its pollers' failures every second)."""

    async def current() -> bool:
        engine = create_engine(settings)
        try:
            return await is_current(engine)
        finally:
            await engine.dispose()

    if not run(current()):
        fail(NotReady("server.not_ready", NOT_UPGRADED, {"database": database_shown()}))


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


class HeaderDeadline(HttpToolsProtocol):
    """uvicorn's HTTP/1.1, closing a connection whose request headers do not come in time.

    uvicorn ends idle keep-alive connections, but not one whose request headers trickle in a
    byte at a time: a few such clients would hold every connection (slowloris). The deadline,
    `JITASA_HEADER_TIMEOUT_SECONDS`, runs from the connection, or from the first byte of a
    further request on it, until the request's headers are complete.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = get_settings().header_timeout_seconds
        self.deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.deadline is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # a further request on a kept-alive connection begins
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self.deadline = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _expire(self) -> None:
        self.deadline = None
        if not self.transport.is_closing():
            self.transport.close()


PORT_TAKEN = "Port {port} is already in use (another Jitasa?); choose another with --port {next}."


def require_free_port(host: str, port: int) -> None:
    """End the command plainly, naming --port, when the address is taken already."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            fail(DomainError("server.port_taken", PORT_TAKEN, {"port": port, "next": port + 1}))


WORKER_START_SECONDS = 30


def server_options() -> dict[str, Any]:
    """Return how `jitasa serve` and `jitasa demo` run uvicorn.

    uvicorn believes X-Forwarded-For from 127.0.0.1 by default, so anything on the machine could
    pose as any address and pass every per-address limit; the app decides instead, from
    `JITASA_TRUSTED_PROXIES`.
    """
    return {
        "log_config": None,
        "access_log": False,
        "http": HeaderDeadline,
        "proxy_headers": False,
        # With --workers N, uvicorn kills and restarts a worker that has not answered its
        # supervisor within this many seconds. A worker imports the whole application first
        # (over 5 s, uvicorn's default, on a loaded 2-core machine), so at the default the
        # workers were restarted forever and nothing answered.
        "timeout_worker_healthcheck": WORKER_START_SECONDS,
    }
