"""Keeping the per-cell counts exact, and reading a viewport's clusters from them."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import (
    Integer,
    Select,
    bindparam,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from jitasa.clusters import grid
from jitasa.clusters.models import MapCell

_DELTAS = "jitasa.cell_deltas"
NATIONAL = ""


class Item(NamedTuple):
    """What the map counts of one thing: its layer, kind, state and public pin."""

    layer: str
    province_code: str | None
    category: str
    urgency: str
    status: str
    lat: float
    lon: float


@dataclass
class Cluster:
    """The items of one display cell that lie in the viewport."""

    x: int
    y: int
    count: int = 0
    sum_lat: float = 0.0
    sum_lon: float = 0.0
    by_category: dict[str, int] = field(default_factory=dict)
    by_urgency: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def lat(self) -> float:
        """Return the centroid's latitude."""
        return round(self.sum_lat / self.count, 5)

    @property
    def lon(self) -> float:
        """Return the centroid's longitude."""
        return round(self.sum_lon / self.count, 5)

    def add(self, category: str, urgency: str, status: str, count: int, lat: float, lon: float):
        """Count `count` items of this kind whose pins sum to (lat, lon)."""
        self.count += count
        self.sum_lat += lat
        self.sum_lon += lon
        for counts, key in (
            (self.by_category, category),
            (self.by_urgency, urgency),
            (self.by_status, status),
        ):
            counts[key] = counts.get(key, 0) + count


def _keys(item: Item) -> Iterable[tuple]:
    """Yield the key of every cell row that counts this item."""
    x0, y0 = grid.cell_of(item.lat, item.lon)
    provinces = (NATIONAL, item.province_code) if item.province_code else (NATIONAL,)
    for province in provinces:
        for level in range(grid.MAX_LEVEL + 1):
            yield (
                item.layer,
                province,
                level,
                x0 >> level,
                y0 >> level,
                item.category,
                item.urgency,
                item.status,
            )


def count(session: AsyncSession, item: Item, delta: int) -> None:
    """Add `delta` (+1 or -1) of this item to its cells when the transaction commits."""
    deltas = session.info.setdefault(_DELTAS, {})
    for key in _keys(item):
        total = deltas.setdefault(key, [0, 0.0, 0.0])
        total[0] += delta
        total[1] += delta * item.lat
        total[2] += delta * item.lon


def move(session: AsyncSession, before: Item, after: Item) -> None:
    """Count an item that changed (status, usually) in its new cells instead of its old ones."""
    if before != after:
        count(session, before, -1)
        count(session, after, +1)


def _upsert(dialect: str):
    """Return an INSERT that adds to the counts of rows that exist already."""
    module = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(MapCell)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in MapCell.__table__.primary_key.columns],
        set_={
            "count": MapCell.count + statement.excluded.count,
            "sum_lat": MapCell.sum_lat + statement.excluded.sum_lat,
            "sum_lon": MapCell.sum_lon + statement.excluded.sum_lon,
        },
    )


_COLUMNS = ("layer", "province_code", "level", "x", "y", "category", "urgency", "status")
_ALL_COLUMNS = [*_COLUMNS, "count", "sum_lat", "sum_lon"]


@event.listens_for(Session, "before_commit")
def _apply(session: Session) -> None:
    """Write the transaction's count changes just before it commits, in key order.

    Applying them last keeps the busiest rows (the few big cells) locked for the shortest
    time, and one order for everyone means two writers never deadlock on them.
    """
    deltas = session.info.pop(_DELTAS, None)
    if not deltas:
        return
    rows = [
        dict(zip(_COLUMNS, key, strict=True), count=n, sum_lat=lat, sum_lon=lon)
        for key, (n, lat, lon) in sorted(deltas.items())
        if n or lat or lon
    ]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the count changes of a rolled-back transaction."""
    session.info.pop(_DELTAS, None)


async def has_cells(session: AsyncSession, *, layer: str) -> bool:
    """Tell whether a layer has any map counts yet."""
    found = await session.scalar(select(MapCell.layer).where(MapCell.layer == layer).limit(1))
    return found is not None


async def replace_layer(session: AsyncSession, *, layer: str, items: Select) -> int:
    """Recount a layer from scratch in the database; return the number of cell rows.

    `items` selects one row per item: province_code, category, urgency, status, lat, lon (its
    public pin). Level 0 is counted from the items, each level above from the one below.
    """
    await session.execute(delete(MapCell).where(MapCell.layer == layer))
    source = items.subquery()
    # A public pin is a cell's centre, (k + 0.5) × STEP, so rounding finds k on every database.
    x0 = cast(func.round(source.c.lon / grid.STEP - 0.5), Integer)
    y0 = cast(func.round(source.c.lat / grid.STEP - 0.5), Integer)
    kinds = (source.c.category, source.c.urgency, source.c.status)
    for province, only in (
        (literal(NATIONAL), true()),
        (source.c.province_code, source.c.province_code.is_not(None)),
    ):
        level0 = (
            select(
                literal(layer),
                province,
                literal(0),
                x0,
                y0,
                *kinds,
                func.count(),
                func.sum(source.c.lat),
                func.sum(source.c.lon),
            )
            .where(only)
            .group_by(province, x0, y0, *kinds)
        )
        await session.execute(insert(MapCell).from_select(_ALL_COLUMNS, level0))
    for level in range(1, grid.MAX_LEVEL + 1):
        x, y = MapCell.x.op(">>")(1), MapCell.y.op(">>")(1)
        below = (MapCell.province_code, MapCell.category, MapCell.urgency, MapCell.status)
        upper = (
            select(
                literal(layer),
                MapCell.province_code,
                literal(level),
                x,
                y,
                MapCell.category,
                MapCell.urgency,
                MapCell.status,
                func.sum(MapCell.count),
                func.sum(MapCell.sum_lat),
                func.sum(MapCell.sum_lon),
            )
            .where(MapCell.layer == layer, MapCell.level == level - 1)
            .group_by(x, y, *below)
        )
        await session.execute(insert(MapCell).from_select(_ALL_COLUMNS, upper))
    return await session.scalar(select(func.count()).where(MapCell.layer == layer))


# One join per axis: each strip is one column (x fixed) or one row (y fixed) of cells, so the
# key, or the second index, seeks straight to it. The strips are integers computed here, not
# input, and go into the text as literals; names and filters are bound parameters.
_STRIP_JOIN = """
SELECT m.x >> s.column2, m.y >> s.column2, m.category, m.urgency, m.status,
       SUM(m.count), SUM(m.sum_lat), SUM(m.sum_lon)
FROM (VALUES {strips}) AS s
JOIN map_cells AS m{hint}
  ON m.layer = :layer AND m.province_code = :province AND m.level = s.column1
 AND m.{fixed} = s.column3 AND m.{ranged} BETWEEN s.column4 AND s.column5
WHERE m.count > 0{filters}
GROUP BY 1, 2, 3, 4, 5"""


def _strips(rects: list[grid.Rect], level: int) -> tuple[list[tuple], list[tuple]]:
    """Cut rectangles into one-cell-wide columns and rows along their narrow side."""
    columns, rows = [], []
    for rect in rects:
        shift = level - rect.level
        if rect.x.size <= rect.y.size:
            columns += [(rect.level, shift, x, rect.y.lo, rect.y.hi) for x in _cells(rect.x)]
        else:
            rows += [(rect.level, shift, y, rect.x.lo, rect.x.hi) for y in _cells(rect.y)]
    return columns, rows


def _cells(span: grid.Span) -> range:
    """Return the indexes of a span."""
    return range(span.lo, span.hi + 1)


def _viewport_query(
    rects: list[grid.Rect], *, level: int, filters: dict[str, list[str]], dialect: str
):
    """Build the statement that sums the counts of the rectangles by display cell."""
    # SQLite's planner, without statistics, prefers the covering key even for rows of cells.
    row_hint = " INDEXED BY ix_map_cells_rows" if dialect == "sqlite" else ""
    clauses = "".join(f" AND m.{column} IN :{column}" for column in filters)
    parts = [
        _STRIP_JOIN.format(
            strips=", ".join(
                f"({int(a)}, {int(b)}, {int(c)}, {int(d)}, {int(e)})" for a, b, c, d, e in strips
            ),
            hint=hint,
            fixed=fixed,
            ranged=ranged,
            filters=clauses,
        )
        for strips, fixed, ranged, hint in zip(
            _strips(rects, level), ("x", "y"), ("y", "x"), ("", row_hint), strict=True
        )
        if strips
    ]
    statement = text("\nUNION ALL\n".join(parts))
    return statement.bindparams(*(bindparam(column, expanding=True) for column in filters))


async def clusters(
    session: AsyncSession,
    *,
    layer: str,
    bbox: tuple[float, float, float, float],
    level: int,
    province_code: str | None = None,
    categories: Iterable[str] = (),
    urgencies: Iterable[str] = (),
    statuses: Iterable[str] = (),
) -> list[Cluster]:
    """Return the viewport's clusters of a layer from the counts, without touching its items."""
    rects = grid.frames(bbox, level)
    if not rects:
        return []
    filters = {
        column: list(values)
        for column, values in (
            ("category", categories),
            ("urgency", urgencies),
            ("status", statuses),
        )
        if values
    }
    dialect = session.get_bind().dialect.name
    statement = _viewport_query(rects, level=level, filters=filters, dialect=dialect)
    parameters = {"layer": layer, "province": province_code or NATIONAL, **filters}
    return gather(await session.execute(statement, parameters))


def gather(rows: Iterable[tuple]) -> list[Cluster]:
    """Merge (x, y, category, urgency, status, count, sum_lat, sum_lon) rows into clusters."""
    found: dict[tuple[int, int], Cluster] = {}
    for x, y, category, urgency, status, n, lat, lon in rows:
        if not n:
            continue
        cluster = found.get((x, y))
        if cluster is None:
            cluster = found[(x, y)] = Cluster(x, y)
        cluster.add(category, urgency, status, n, lat, lon)
    return sorted(found.values(), key=lambda c: (c.y, c.x))


def cluster_items(items: Iterable[Item], *, level: int) -> list[Cluster]:
    """Cluster items already known to lie in the viewport, as `clusters` would."""
    rows = []
    for item in items:
        x, y = grid.cell_of(item.lat, item.lon)
        rows.append(
            (
                x >> level,
                y >> level,
                item.category,
                item.urgency,
                item.status,
                1,
                item.lat,
                item.lon,
            )
        )
    return gather(rows)
