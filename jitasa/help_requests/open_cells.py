"""Keeping the open requests' cell counts (`OpenCell`) exact, and reading them around a point.

Nearby sums these counts, nearest cell first, to learn how far it must read before it reads a
single request: the work is that of the answer, not of the box around it.

Like the tallies: a request that becomes open adds +1 to its public pin's cell, one that stops
being open -1, gathered in the session and written just before the commit, in key order; a
rolled-back transaction's changes are dropped with it. Public pins never move, so only the
status matters. Changes made through the ORM are counted here by themselves; the statements
that change rows in bulk (`lifecycle.move_from`, a bulk import) say so through `signals`.
"""

import math
from collections import Counter
from collections.abc import Iterable
from functools import cache

from sqlalchemy import (
    Float,
    Integer,
    Select,
    bindparam,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from jitasa.core import geo
from jitasa.help_requests.models import HelpRequest, OpenCell
from jitasa.help_requests.states import Status

_DELTAS = "jitasa.open_cell_deltas"
STEP = geo.PRIVACY_GRID_DEGREES
# A read of the counts starts with a box of this reach (km): in a city it holds enough.
FIRST_KM = 5.0


def cell_of(public_lat: float, public_lon: float) -> tuple[int, int]:
    """Return the (y, x) of the privacy cell whose centre is this public pin."""
    return round(public_lat / STEP - 0.5), round(public_lon / STEP - 0.5)


def centre_of(index: int) -> float:
    """Return a cell's centre on one axis, in degrees, as `geo.round_for_privacy` gives it."""
    return round((index + 0.5) * STEP, 4)


def count(session: AsyncSession | Session, pins: Iterable[tuple[float, float]], delta: int) -> None:
    """Add `delta` open requests at each of these public pins when the transaction commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    deltas = sync.info.setdefault(_DELTAS, Counter())
    for pin in pins:
        deltas[cell_of(*pin)] += delta


def moved(session: AsyncSession, help_request: HelpRequest, *, from_status: str) -> None:
    """Count a request whose status a bulk statement moved from `from_status`."""
    was, now = from_status == Status.OPEN, help_request.status == Status.OPEN
    if was != now:
        count(session, [(help_request.public_lat, help_request.public_lon)], +1 if now else -1)


def imported(session: AsyncSession, rows: Iterable) -> None:
    """Count the open ones among a batch of requests inserted in bulk (mappings)."""
    pins = [(r["public_lat"], r["public_lon"]) for r in rows if r["status"] == Status.OPEN]
    count(session, pins, +1)


def _was_open(obj: HelpRequest) -> bool:
    """Tell whether an ORM request was open before its pending changes."""
    history = inspect(obj).attrs["status"].history
    if history.deleted or history.added:
        return bool(history.deleted) and history.deleted[0] == Status.OPEN
    return obj.status == Status.OPEN


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    """Count the requests the flush added, changed or deleted through the ORM."""
    for obj in session.new:
        if isinstance(obj, HelpRequest) and obj.status == Status.OPEN:
            count(session, [(obj.public_lat, obj.public_lon)], +1)
    for obj in session.dirty:
        if isinstance(obj, HelpRequest):
            was, now = _was_open(obj), obj.status == Status.OPEN
            if was != now:
                count(session, [(obj.public_lat, obj.public_lon)], +1 if now else -1)
    for obj in session.deleted:
        if isinstance(obj, HelpRequest) and _was_open(obj):
            count(session, [(obj.public_lat, obj.public_lon)], -1)


@cache
def _upsert(dialect: str):
    """Return an INSERT that adds to the counts of cells that have a row already (built once
    per dialect, on the table: see `clusters.service._upsert`)."""
    module = postgresql if dialect == "postgresql" else sqlite
    table = OpenCell.__table__
    statement = module.insert(table)
    return statement.on_conflict_do_update(
        index_elements=["y", "x"], set_={"count": table.c.count + statement.excluded.count}
    )


@event.listens_for(Session, "before_commit")
def _apply(session: Session) -> None:
    """Write the transaction's cell changes just before it commits, in key order."""
    deltas = session.info.pop(_DELTAS, None)
    rows = [{"y": y, "x": x, "count": n} for (y, x), n in sorted((deltas or {}).items()) if n]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the cell changes of a rolled-back transaction."""
    session.info.pop(_DELTAS, None)


async def recount(session: AsyncSession) -> int:
    """Count every cell again from the requests in this transaction; return the rows written."""
    session.sync_session.info.pop(_DELTAS, None)  # the recount counts them already
    await session.flush()
    session.sync_session.info.pop(_DELTAS, None)
    await session.execute(delete(OpenCell))
    cell = [
        cast(func.round(column / STEP - 0.5), Integer)
        for column in (HelpRequest.public_lat, HelpRequest.public_lon)
    ]
    rows = select(*cell, func.count()).where(HelpRequest.status == Status.OPEN).group_by(*cell)
    await session.execute(insert(OpenCell).from_select(["y", "x", "count"], rows))
    return await session.scalar(select(func.count()).select_from(OpenCell)) or 0


def _nearest_first() -> Select:
    """Return the read of the cells of a box, nearest its centre first, up to the first that
    brings the sum to `wanted`: one seek of the key per row of cells, and only the cells needed
    come back. Nearness here is on the plane (km², the longitude's shrink at the centre's
    latitude); the caller ranks the few rows by great-circle distance.
    """
    dy = OpenCell.y - bindparam("y", type_=Integer)
    dx = OpenCell.x - bindparam("x", type_=Integer)
    d2 = dy * dy * bindparam("ky2", type_=Float) + dx * dx * bindparam("kx2", type_=Float)
    in_box = (
        select(OpenCell.y, OpenCell.x, OpenCell.count, d2.label("d2"))
        .where(
            OpenCell.y.in_(bindparam("rows", expanding=True)),
            OpenCell.x.between(bindparam("west"), bindparam("east")),
            OpenCell.count > 0,
        )
        .subquery()
    )
    running = (
        select(
            in_box.c.y,
            in_box.c.x,
            in_box.c.count,
            func.sum(in_box.c.count)
            .over(order_by=[in_box.c.d2, in_box.c.y, in_box.c.x], rows=(None, 0))
            .label("through"),
        )
        .where(in_box.c.d2 <= bindparam("reach2", type_=Float))
        .subquery()
    )
    return select(running.c.y, running.c.x, running.c.count).where(
        running.c.through - running.c.count < bindparam("wanted", type_=Integer)
    )


_NEAREST_FIRST = _nearest_first()
# Planar km per cell: a cell is STEP degrees of latitude; of longitude, times cos(latitude).
KM_PER_CELL = math.radians(STEP) * geo.EARTH_RADIUS_KM
# The plane's km² bound is this much wider than the reach: it keeps every cell the great
# circle puts within reach (within 100 km in Thailand they differ by at most 0.12 %); the
# ranking by great-circle distance drops the rest.
PLANE_MARGIN = 1.01


async def _nearest_cells(
    session: AsyncSession, *, lat: float, lon: float, reach_km: float, wanted: int
) -> list[tuple[float, int]]:
    """Return (km to the metre, open requests) of the cells within reach, nearest first, as
    far as the first that brings the sum to `wanted` (all of them if they hold fewer)."""
    west, south, east, north = geo.bbox_around(lat, lon, reach_km)
    # Every cell whose centre is in the box, and at most one more on each side.
    y_lo, x_lo = (math.floor(v / STEP - 0.5) for v in (south, west))
    y_hi, x_hi = (math.floor(v / STEP) for v in (north, east))
    y, x = cell_of(lat, lon)
    params = {
        "rows": list(range(y_lo, y_hi + 1)),
        "west": x_lo,
        "east": x_hi,
        "y": y,
        "x": x,
        "ky2": KM_PER_CELL**2,
        "kx2": (KM_PER_CELL * math.cos(math.radians(lat))) ** 2,
        "reach2": (reach_km * PLANE_MARGIN) ** 2,
        "wanted": wanted,
    }
    found = []
    for y, x, n in await (await session.connection()).execute(_NEAREST_FIRST, params):
        km = round(geo.distance_km(lat, lon, centre_of(y), centre_of(x)), 3)
        if km <= reach_km:
            found.append((km, n))
    return sorted(found)


async def reach_holding(
    session: AsyncSession, *, lat: float, lon: float, radius_km: float, wanted: int
) -> float:
    """Return a reach (km, to the metre) whose cells around the cell centre (lat, lon) hold
    `wanted` open requests, or `radius_km` if those within it hold fewer.

    Reads a box of `FIRST_KM` first, then one as big as the density found says is needed (the
    radius at once around nothing); each read returns only the cells nearest first that hold
    `wanted`, never a request.
    """
    reach = min(radius_km, FIRST_KM)
    while True:
        total = 0
        cells = await _nearest_cells(session, lat=lat, lon=lon, reach_km=reach, wanted=wanted)
        for km, n in cells:
            total += n
            if total >= wanted:
                return km
        if reach >= radius_km:
            return radius_km
        # Requests per area is what was found: grow the box to hold `wanted` at that density.
        grow = max(2.0, 1.3 * (wanted / total) ** 0.5) if total else radius_km / reach
        reach = min(radius_km, reach * grow)
