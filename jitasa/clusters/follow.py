"""Keeping a process's cluster index current: built from the counts, then every logged change once.

Each commit that changes the counts writes what it added to the national cells to
`map_cell_changes`, in the same transaction (`service._apply`). A `Follower` builds its index
from `map_cells` and notes, in the same read snapshot, which change ids that snapshot holds; it
then adds each later change exactly once:

- this process's own, as its commit returns (`service.on_commit_changes`): seen at once;
- other processes', when `poll` reads the log (every second by `following`): seen within a
  second. On PostgreSQL ids are handed out before commit, so a missing id below the newest seen
  is waited for (`GAP_SECONDS`) before the reader moves past it; rolled-back ids never come.

A change that recounted a layer from scratch makes the index stale: it is built again, and
meanwhile the map reads the database. Rows older than `KEEP_SECONDS` are deleted by any process.
"""

import asyncio
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import numpy as np
import structlog
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.clusters import grid, service
from jitasa.clusters.index import CellIndex, Level, Run, key
from jitasa.clusters.layers import MEASURE_COLUMNS
from jitasa.clusters.models import MapCell, MapCellChange
from jitasa.core import polling
from jitasa.core.db import utcnow

POLL_SECONDS = 1.0
GAP_SECONDS = 30.0
KEEP_SECONDS = 600.0
PRUNE_SECONDS = 60.0
# Ids below the newest one a snapshot holds, by this many, may still be committing.
LOOKBACK = 1000
PARTITION = 50_000
log = structlog.get_logger(__name__)
_followers: "weakref.WeakSet[Follower]" = weakref.WeakSet()


class Follower:
    """A cluster index and where it stands in the change log.

    `widths()` gives each layer's sums per row (2 + its measures) when the index is built; a
    layer declared later is read from the database until the next build. `local=False` ignores
    this process's commits (a stand-in for another process, in tests).
    """

    def __init__(self, widths: Callable[[], dict[str, int]], *, local: bool = True) -> None:
        self.widths = widths
        self.index: CellIndex | None = None
        self.stale = False
        self.floor = 0  # every change id up to here has been added (or given up)
        self.seen: set[int] = set()  # ids above the floor already added
        self.missing: dict[int, float] = {}  # ids above the floor not seen, since when
        self._early: list[tuple[int, list, list]] | None = None
        self._drops = 0  # how many times the index was dropped: a build begun before is void
        self._lock = threading.Lock()
        self._building = asyncio.Lock()
        self.changed: list[Callable[[set[str]], None]] = []  # told the layers others changed
        if local:
            _followers.add(self)

    def current(self) -> CellIndex | None:
        """Return the index when it is built and not stale, else None (read the database)."""
        return None if self.stale else self.index

    async def ensure(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        """Build the index if it has never been built (or was dropped)."""
        if self.index is None:
            async with self._building:
                if self.index is None:
                    async with session_factory() as session:
                        await self.build(session)

    def drop(self) -> None:
        """Forget the index (its rows were deleted behind the sessions' back), and the index
        a build under way would make from what it read before."""
        with self._lock:
            self.index, self.stale = None, False
            self._drops += 1

    async def build(self, session: AsyncSession) -> None:
        """Read every layer's national rows and the log's position in one snapshot.

        A `drop` while it reads voids it: the index stays unbuilt (the map reads the database
        until the next `ensure`), never one of rows deleted meanwhile, whose change ids a
        refilled log may hand out again and the index would then skip as already held.
        """
        with self._lock:
            self._early, drops = [], self._drops
        try:
            if session.get_bind().dialect.name == "postgresql":
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            top = await session.scalar(select(func.coalesce(func.max(MapCellChange.id), 0)))
            held = set(
                await session.scalars(
                    select(MapCellChange.id).where(MapCellChange.id > top - LOOKBACK)
                )
            )
            index = CellIndex()
            for name, width in self.widths().items():
                cells = index.layer(name, width)
                for level in range(grid.MAX_LEVEL + 1):
                    run = await _read(session, cells, name, level)
                    run.by_rows()  # sorted now, not by the first map answer
                    cells.levels[level] = Level(run, width)
        except BaseException:
            with self._lock:
                self._early = None
            raise
        with self._lock:
            early, self._early = self._early or [], None
            if self._drops != drops:
                return
            self.index, self.stale = index, False
            self.floor, self.seen, self.missing = max(top - LOOKBACK, 0), held, {}
            self._take(early)
        log.info("map.index_built", rows=sum(_rows(c) for c in index.layers.values()))

    def take_local(self, logged: list[tuple[int, list, list]]) -> None:
        """Add this process's committed changes (or keep them for the index being built)."""
        with self._lock:
            if self._early is not None:
                self._early.extend(logged)
            elif self.index is not None:
                self._take(logged)

    def _take(self, changes: list[tuple[int, list, list]]) -> set[str]:
        """Add the changes not added yet (lock held); return the layers they touched."""
        layers = set()
        for change_id, rows, rebuilt in changes:
            if change_id <= self.floor or change_id in self.seen:
                continue
            self.seen.add(change_id)
            self.missing.pop(change_id, None)
            if rebuilt:
                self.stale = True
                layers.update(rebuilt)
            self.index.add(rows)
            layers.update(row[0] for row in rows)
        return layers

    async def poll(self, session: AsyncSession) -> None:
        """Add the changes other processes committed since the last poll."""
        if self.index is None:
            return
        floor = self.floor
        ids = (
            await session.scalars(select(MapCellChange.id).where(MapCellChange.id > floor))
        ).all()
        fresh = [i for i in ids if i not in self.seen]
        found = []
        if fresh:
            statement = select(MapCellChange.id, MapCellChange.rows, MapCellChange.rebuilt)
            found = (
                await session.execute(
                    statement.where(MapCellChange.id.in_(fresh)).order_by(MapCellChange.id)
                )
            ).all()
        with self._lock:
            if self.index is None:
                return
            layers = self._take([tuple(row) for row in found])
            self._advance(ids)
        if layers:
            for callback in list(self.changed):
                callback(layers)

    def _advance(self, ids: list[int]) -> None:
        """Move the floor past every id seen, or waited for long enough (lock held)."""
        now = time.monotonic()
        top = max([self.floor, *ids, *self.seen])
        for change_id in range(self.floor + 1, top + 1):
            if change_id not in self.seen:
                self.missing.setdefault(change_id, now)
        for change_id, since in list(self.missing.items()):
            if now - since > GAP_SECONDS:
                del self.missing[change_id]
                log.warning("map.index_change_never_came", change_id=change_id)
        self.floor = min(self.missing) - 1 if self.missing else top
        self.seen = {i for i in self.seen if i > self.floor}


def _rows(cells) -> int:
    """Return how many rows a layer's levels hold."""
    return sum(len(level.main.keys) + len(level.recent.keys) for level in cells.levels)


async def _read(session: AsyncSession, cells, name: str, level: int) -> Run:
    """Read one layer's national rows of one level, in key order, as a run."""
    measures = [MapCell.__table__.c[c] for c in MEASURE_COLUMNS[: cells.width - 2]]
    statement = (
        select(
            MapCell.x,
            MapCell.y,
            MapCell.d1,
            MapCell.d2,
            MapCell.d3,
            MapCell.count,
            MapCell.sum_lat,
            MapCell.sum_lon,
            *measures,
        )
        .where(MapCell.layer == name, MapCell.province_code == service.NATIONAL)
        .where(MapCell.level == level)
        .order_by(MapCell.x, MapCell.y, MapCell.d1, MapCell.d2, MapCell.d3)
    )
    keys, kinds, counts, sums = [], [], [], []
    result = await session.stream(statement)
    async for part in result.partitions(PARTITION):
        xs, ys, d1, d2, d3, count, *totals = zip(*part, strict=True)
        keys.append(key(np.array(xs, np.int64), np.array(ys, np.int64)))
        kinds.append(np.array([cells.kinds.number(v) for v in zip(d1, d2, d3, strict=True)]))
        counts.append(np.array(count, np.int64))
        sums.append(np.array(totals, float).T.reshape(len(part), cells.width))
    if not keys:
        return Run.empty(cells.width)
    run = Run(
        np.concatenate(keys),
        np.concatenate(kinds).astype(np.int32),
        np.concatenate(counts),
        np.concatenate(sums),
    )
    order = np.argsort(run.keys, kind="stable")  # x, y ascend: already in order, kept so
    return Run(run.keys[order], run.kinds[order], run.counts[order], run.sums[order])


def _take_everywhere(logged: list[tuple[int, list, list]]) -> None:
    """A commit of this process logged changes: add them to every index of the process."""
    for follower in list(_followers):
        follower.take_local(logged)


def drop_all() -> None:
    """Forget every index of this process (tests empty the tables behind the sessions' back)."""
    for follower in list(_followers):
        follower.drop()


service.on_commit_changes(_take_everywhere)


async def prune(session: AsyncSession) -> int:
    """Delete changes older than `KEEP_SECONDS`; return how many."""
    cutoff = utcnow() - timedelta(seconds=KEEP_SECONDS)
    result = await session.execute(delete(MapCellChange).where(MapCellChange.at < cutoff))
    await session.commit()
    return result.rowcount


@asynccontextmanager
async def following(
    follower: Follower,
    session_factory: async_sessionmaker[AsyncSession],
    read_session_factory: async_sessionmaker[AsyncSession],
    *,
    poll_seconds: float = POLL_SECONDS,
) -> AsyncIterator[Follower]:
    """Build the index, then poll the log (and build again when stale) for the block.

    A database that cannot be read yet (not migrated: `jitasa db upgrade` has not run) does not
    stop the process starting: the map reads the database, and the index is built by the loop
    once the tables are there.
    """
    try:
        await follower.ensure(read_session_factory)
    except Exception:
        log.exception("map.index_build_failed")

    pruned = time.monotonic()

    async def step() -> None:
        nonlocal pruned
        async with read_session_factory() as session:
            if follower.stale or follower.index is None:
                follower.drop()
                await follower.build(session)
            else:
                await follower.poll(session)
        if time.monotonic() - pruned > PRUNE_SECONDS:
            pruned = time.monotonic()
            async with session_factory() as session:
                await prune(session)

    async with polling.every(
        poll_seconds, step, name="jitasa-map-index-follow", failed="map.index_follow_failed"
    ):
        yield follower
