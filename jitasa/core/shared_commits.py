"""Shared commits: a burst of writes waiting at one moment is committed in one transaction.

On SQLite one connection writes at a time, and each commit syncs the log to disk. Sixteen
requests in flight, each in its own write transaction, queue on the write lock (503 after the
busy timeout) and pay sixteen syncs. Here the writes of one process queue instead in memory: a
unit of work (`Work`, an async function of a session) waits while a batch commits, then the
units that gathered meanwhile run one after another in one transaction and commit once. Each
caller's `run()` returns (or raises) only after that commit has returned, so "answered" still
means "stored" (`synchronous=FULL`: synced to disk).

- A unit that raises gets its error to its caller; the others are not failed by it. The
  transaction is rolled back and the others run again in a fresh one: first each in its own
  SAVEPOINT (so that every other unit that fails is found in one pass, rolled back to its
  savepoint), then, if one did, plainly again. A fresh transaction each time, because domain
  hooks keep pending work in the session (map cell deltas, tallies, events, applied just
  before the commit) that a savepoint would not undo. Nothing was answered before the commit.
- A failed commit fails every unit of the batch: none was stored.
- The batch runs in a task of its own, shielded from its callers' cancellation: a statement is
  never cut off half-way (see `core.db.stop_between_units`).
- What the hooks do after a commit (the dispatchers woken, the map cache told) happens once per
  batch, after the commit, as for any transaction.

On PostgreSQL (many writers, each commit's sync shared by the server with concurrent ones)
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
        """Run the batch's units and commit them together; settle every unit's future.

        The first pass runs the units plainly, one after another (a savepoint costs two round
        trips a unit). When one raises, the transaction is rolled back and the rest run again,
        this time each in a savepoint, so every other unit that fails is found in that pass;
        the ones that passed then run plainly again and commit.
        """
        careful = False
        while batch:
            try:
                batch = await self._attempt(batch, careful=careful)
            except BaseException as error:  # the commit failed: nothing of the batch is stored
                for unit in batch:
                    _settle(unit, error=error)
                return
            careful = not careful

    async def _attempt(self, batch: list[_Unit], *, careful: bool) -> list[_Unit]:
        """Run the units once in one transaction; commit if none failed and settle them all.

        Returns the units to run again when one failed (its error settled; plainly, the units
        after the first failure did not run), or an empty list once committed.
        """
        results: list[tuple[_Unit, Any]] = []
        failed = False
        async with self.factory() as session:
            try:
                for number, unit in enumerate(batch):
                    try:
                        if careful:
                            async with session.begin_nested():
                                results.append((unit, await unit.work(session)))
                        else:
                            results.append((unit, await unit.work(session)))
                    except Exception as error:
                        _settle(unit, error=error)
                        failed = True
                        if not careful:
                            results += [(later, None) for later in batch[number + 1 :]]
                            break
                if failed:
                    await session.rollback()
                    return [unit for unit, _result in results]
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
        for unit, result in results:
            _settle(unit, result=result)
        return []


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
