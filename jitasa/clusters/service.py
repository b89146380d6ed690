"""Keeping the per-cell counts exact, and reading a viewport's clusters from them."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import delete, event, func, insert, literal_column, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from jitasa.clusters import grid
from jitasa.clusters.models import MapCell

_DELTAS = "jitasa.cell_deltas"
NATIONAL = ""
INSERT_CHUNK = 5000


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


async def replace_layer(session: AsyncSession, *, layer: str, groups: Iterable[tuple]) -> int:
    """Recount a layer from scratch from (province, category, urgency, status, lat, lon, n)
    groups of its items; return the number of rows written."""
    totals: dict[tuple, list] = {}
    for province, category, urgency, status, lat, lon, n in groups:
        item = Item(layer, province, category, urgency, status, lat, lon)
        for key in _keys(item):
            total = totals.setdefault(key, [0, 0.0, 0.0])
            total[0] += n
            total[1] += n * lat
            total[2] += n * lon
    await session.execute(delete(MapCell).where(MapCell.layer == layer))
    rows = [
        dict(zip(_COLUMNS, key, strict=True), count=n, sum_lat=lat, sum_lon=lon)
        for key, (n, lat, lon) in totals.items()
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(insert(MapCell), rows[start : start + INSERT_CHUNK])
    return len(rows)


def _rect_query(rect: grid.Rect, *, level: int, where: list):
    """Select one rectangle's counts, grouped by the display cell each row falls in.

    The narrow side is listed cell by cell, so either index seeks straight to each row or
    column of cells instead of scanning a whole band of the country.
    """
    shift = level - rect.level
    x = MapCell.x.op(">>")(literal_column(str(shift))) if shift else MapCell.x
    y = MapCell.y.op(">>")(literal_column(str(shift))) if shift else MapCell.y
    if rect.x.size <= rect.y.size:
        cells = [
            MapCell.x.in_(range(rect.x.lo, rect.x.hi + 1)),
            MapCell.y.between(rect.y.lo, rect.y.hi),
        ]
    else:
        cells = [
            MapCell.y.in_(range(rect.y.lo, rect.y.hi + 1)),
            MapCell.x.between(rect.x.lo, rect.x.hi),
        ]
    return (
        select(
            x.label("cx"),
            y.label("cy"),
            MapCell.category,
            MapCell.urgency,
            MapCell.status,
            func.sum(MapCell.count),
            func.sum(MapCell.sum_lat),
            func.sum(MapCell.sum_lon),
        )
        .where(*where, MapCell.level == rect.level, *cells)
        .group_by(x, y, MapCell.category, MapCell.urgency, MapCell.status)
    )


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
    cut = grid.frames(bbox, level)
    if not cut:
        return []
    where = [
        MapCell.layer == layer,
        MapCell.province_code == (province_code or NATIONAL),
        MapCell.count > 0,
    ]
    for column, values in (
        (MapCell.category, categories),
        (MapCell.urgency, urgencies),
        (MapCell.status, statuses),
    ):
        if values:
            where.append(column.in_(list(values)))
    statement = union_all(*(_rect_query(rect, level=level, where=where) for rect in cut))
    return gather(await session.execute(statement))


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
