"""Shared commits: a burst of writes waiting at one moment is committed in one transaction.

On SQLite one connection writes at a time, and each commit syncs the log to disk. Sixteen
requests in flight, each in its own write transaction, queue on the write lock (503 after the
busy timeout) and pay sixteen syncs. Here the writes of one process queue instead in memory: a
unit of work (`Work`, an async function of a session) waits while a batch commits, then the
units that gathered meanwhile run one after another in one transaction and commit once. Each
caller's `run()` returns (or raises) only after that commit has returned, so "answered" still
means "stored" (`synchronous=FULL`: synced to disk).

- A unit that raises gets its error to its caller; the others are not failed by it. The
  transaction is rolled back and the others run again, each in a transaction of its own (a
  refusal in a burst is rare). Never in savepoints: the domains' hooks keep pending work in
  the session (map cell deltas, tallies, events, applied just before the commit) that a
  savepoint's rollback would not undo, and a savepoint's release fires the commit hooks as if
  the transaction had committed. Nothing was answered before the commit.
- A failed commit fails every unit of the batch: none was stored.
- The batch runs in a task of its own, shielded from its callers' cancellation: a statement is
  never cut off half-way (see `core.db.stop_between_units`).
- What the hooks do after a commit (the dispatchers woken, the map cache told) happens once per
  batch, after the commit, as for any transaction.

On PostgreSQL too (`JITASA_SHARED_COMMITS`, on by default): there many writers could commit
at once, but every create adds to the same national map cells, and each transaction waited on
the row locks of the one before it; a process's batch takes them once. With the setting off
each unit runs in a transaction of its own (`share=False`): the same interface, no batching.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.core.db import transaction

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]
# A bound on one transaction's length, so a flood never holds the write lock for long.
MAX_BATCH = 64


@dataclass
class _Unit:
    """One caller's work and the future its caller waits on."""

    work: Work
    future: asyncio.Future = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class SharedCommits:
    """Run units of write work, committing the ones waiting together at once (when `share`)."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], *, share: bool) -> None:
        self.factory = factory
        self.share = share
        self._waiting: list[_Unit] = []
        self._turn = asyncio.Lock()

    async def run(self, work: Work[T]) -> T:
        """Run `work(session)` in a write transaction and return its result once committed.

        Raises what `work` raised (its writes undone), or the commit's error (nothing stored).
        """
        if not self.share:
            async with transaction(self.factory) as session:
                return await work(session)
        unit = _Unit(work)
        self._waiting.append(unit)
        async with self._turn:  # one batch at a time; the next gathers while this one commits
            if not unit.future.done():
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                await asyncio.shield(asyncio.ensure_future(self._commit(batch)))
        return await unit.future

    async def _commit(self, batch: list[_Unit]) -> None:
        """Run the batch's units one after another in one transaction and commit them together;
        settle every unit's future.

        When a unit raises, it gets its error, the transaction is rolled back, and every other
        unit runs again in a transaction of its own. Not in a savepoint of the shared one: a
        savepoint's release fires the commit hooks (a process's map index takes the change log's
        rows, live events are sent) as if the transaction had committed, and its rollback does
        not undo what the hooks gathered.
        """
        results: list[Any] = []
        try:
            async with self.factory() as session:
                try:
                    for unit in batch:
                        try:
                            results.append(await unit.work(session))
                        except Exception as error:
                            _settle(unit, error=error)
                            await session.rollback()
                            break
                    else:
                        await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        except BaseException as error:  # the commit failed: nothing of the batch is stored
            for unit in batch:
                _settle(unit, error=error)
            return
        if len(results) == len(batch):
            for unit, result in zip(batch, results, strict=True):
                _settle(unit, result=result)
            return
        for unit in batch:  # one was refused: the others alone (its future is settled)
            if not unit.future.done():
                await self._alone(unit)

    async def _alone(self, unit: _Unit) -> None:
        """Run one unit in a transaction of its own and settle its future."""
        try:
            async with transaction(self.factory) as session:
                result = await unit.work(session)
        except Exception as error:
            _settle(unit, error=error)
        else:
            _settle(unit, result=result)


def _settle(unit: _Unit, *, result: object = None, error: BaseException | None = None) -> None:
    """Give the unit's caller its result or error (unless the caller has gone: cancelled)."""
    if unit.future.done():
        return
    if error is not None:
        unit.future.set_exception(error)
    else:
        unit.future.set_result(result)


def shared_commits(request: Request) -> SharedCommits:
    """Give a route the application's shared commits (`app.state.shared_commits`)."""
    return request.app.state.shared_commits


SharedCommitsDep = Annotated[SharedCommits, Depends(shared_commits)]
