"""SQLite through aiosqlite in one trip to its thread per statement, not four.

aiosqlite runs each SQLite connection in a thread of its own; SQLAlchemy's adaptation of it
crosses to that thread for every cursor call: make the cursor, execute, fetch the rows, close
(`sqlalchemy.connectors.asyncio`). Each crossing is a queue put, a thread wake-up and a
callback back on the event loop; on a busy 2-core machine each costs a good fraction of a
millisecond, and a create sends a dozen statements (`docs/performance.md`). Here a statement is
one function run in the thread: make the cursor, execute, fetch every row (as SQLAlchemy's
buffered cursor does anyway), note the row count and last row id, close; the answer comes back
in one crossing. Rows, errors and transactions are SQLite's own, unchanged.

Server-side cursors (`session.stream`, the exports' `yield_per`) keep aiosqlite's cursor,
fetching batch by batch: reading a million rows at once would hold them all in memory.
"""

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import await_only


def _run(
    connection: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> tuple[Any, list, int, int | None]:
    """In the connection's thread: run one statement and return all it gives back."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor:
    """A buffered DB-API cursor whose every statement is one call in aiosqlite's thread."""

    server_side = False

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection: aiosqlite.Connection = adapt_connection._connection
        self._rows: collections.deque = collections.deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def _send(self, operation: str, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            answer = await self._connection._execute(
                _run, self._connection._conn, operation, parameters, many
            )
        self.description, rows, self.rowcount, self.lastrowid = answer
        self._rows = collections.deque(rows)

    def execute(self, operation: str, parameters: Any = None) -> None:
        """Run one statement and keep what it returned."""
        try:
            await_only(self._send(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        """Run one statement for each set of parameters, in one trip."""
        try:
            await_only(self._send(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def close(self) -> None:
        """Forget the rows not fetched (the SQLite cursor was closed in the thread)."""
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """Nothing to close before the rows are read: SQLAlchemy's async results ask."""

    def __iter__(self):
        while self._rows:
            yield self._rows.popleft()

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> list:
        rows = list(self._rows)
        self._rows.clear()
        return rows


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, with the one-trip cursor for buffered results."""

    __slots__ = ()
    _cursor_cls = OneTripCursor

    def rollback(self) -> None:
        """Roll back, without a trip when no transaction is open: the pool resets every
        connection it takes back, mostly after a commit. (The connection is idle here, so
        asking it from this thread races with nothing.)"""
        if self._connection._connection is not None and self._connection._conn.in_transaction:
            super().rollback()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """The aiosqlite DB-API of SQLAlchemy, giving one-trip connections
    (`create_async_engine(url, module=OneTripDBAPI())`)."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        return OneTripConnection(self, super().connect(*arg, **kw)._connection)
