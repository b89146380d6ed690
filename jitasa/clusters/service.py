"""Keeping the per-cell counts exact, and reading a viewport's clusters from them."""

from collections.abc import Callable, Iterable
from functools import cache

from sqlalchemy import (
    Integer,
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
from jitasa.clusters.grouping import Cluster, gather
from jitasa.clusters.index import CellIndex
from jitasa.clusters.layers import DIMENSION_COLUMNS, MEASURE_COLUMNS, UNUSED, Item, MapLayer
from jitasa.clusters.models import MapCell, MapCellChange
from jitasa.core import area_scope

_DELTAS = "jitasa.cell_deltas"
_CHANGED = "jitasa.cell_layers_changed"
_LOGGED = "jitasa.cell_changes_logged"
NATIONAL = ""
_after_commit: list[Callable[[set[str]], None]] = []
# Told (change id, national rows, layers rebuilt) of each change a commit logged, before
# `_after_commit`: this process's in-memory indexes (`jitasa.clusters.index`).
_after_commit_changes: list[Callable[[list[tuple[int, list, list]]], None]] = []


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
                *item.values,
            )


def count(session: AsyncSession, item: Item, delta: int) -> None:
    """Add `delta` (+1 or -1) of this item to its cells when the transaction commits."""
    deltas = session.info.setdefault(_DELTAS, {})
    for key in _keys(item):
        total = deltas.setdefault(key, [0, 0.0, 0.0, 0.0, 0.0, 0.0])
        total[0] += delta
        total[1] += delta * item.lat
        total[2] += delta * item.lon
        for index, amount in enumerate(item.amounts, start=3):
            total[index] += delta * amount


def move(session: AsyncSession, before: Item, after: Item) -> None:
    """Count an item that changed (status, usually) in its new cells instead of its old ones."""
    if before != after:
        count(session, before, -1)
        count(session, after, +1)


@cache
def _upsert(dialect: str):
    """Return an INSERT that adds to the counts of rows that exist already.

    Built once per dialect, on the table (a Core statement: the ORM's bulk path costs a
    third more Python for the same SQL, and every create sends it).
    """
    module = postgresql if dialect == "postgresql" else sqlite
    table = MapCell.__table__
    statement = module.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={column: table.c[column] + statement.excluded[column] for column in _SUMS},
    )


_COLUMNS = ("layer", "province_code", "level", "x", "y", *DIMENSION_COLUMNS)
_SUMS = ("count", "sum_lat", "sum_lon", *MEASURE_COLUMNS)
_ALL_COLUMNS = [*_COLUMNS, *_SUMS]


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
        dict(zip(_COLUMNS, key, strict=True), **dict(zip(_SUMS, sums, strict=True)))
        for key, sums in sorted(deltas.items())
        if any(sums)
    ]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)
        session.info.setdefault(_CHANGED, set()).update(row["layer"] for row in rows)
        national = [
            [row[column] for column in _ALL_COLUMNS if column != "province_code"]
            for row in rows
            if row["province_code"] == NATIONAL
        ]
        _log(session, national, [])


def _log(session: Session, national: list[list], rebuilt: list[str]) -> None:
    """Write what the transaction adds to the national cells to the change log (one row)."""
    logged = (
        insert(MapCellChange).values(rows=national, rebuilt=rebuilt).returning(MapCellChange.id)
    )
    change_id = session.execute(logged).scalar_one()
    session.info.setdefault(_LOGGED, []).append((change_id, national, rebuilt))


def on_commit_changes(
    callback: Callable[[list[tuple[int, list, list]]], None],
) -> Callable[[], None]:
    """Call `callback` with the (id, national rows, rebuilt layers) changes a commit logged,
    before the commit returns (and before `on_commit`'s callbacks); return how to stop it."""
    _after_commit_changes.append(callback)
    return lambda: _after_commit_changes.remove(callback)


def on_commit(callback: Callable[[set[str]], None]) -> Callable[[], None]:
    """Call `callback` with the layers whose counts a commit changed; return how to stop it.

    It runs in the committing thread, before the commit returns.
    """
    _after_commit.append(callback)
    return lambda: _after_commit.remove(callback)


@event.listens_for(Session, "after_commit")
def _changed(session: Session) -> None:
    """Tell the listeners what the commit changed: the logged changes, then the layers."""
    logged = session.info.pop(_LOGGED, None)
    if logged:
        for callback in list(_after_commit_changes):
            callback(logged)
    layers = session.info.pop(_CHANGED, None)
    if layers:
        for callback in list(_after_commit):
            callback(layers)


def apply_pending(session: Session) -> None:
    """Write the count changes gathered so far now, inside the transaction (a long import's
    batches, so that its memory stays bounded); what comes after is written at commit."""
    _apply(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the count changes of a rolled-back transaction."""
    session.info.pop(_DELTAS, None)
    session.info.pop(_CHANGED, None)
    session.info.pop(_LOGGED, None)


async def recount(session: AsyncSession, layer: MapLayer, *, only_if_empty: bool = False):
    """Rebuild a layer's counts from its items; with `only_if_empty`, only when it has none.

    Return the number of cell rows written, or None when nothing was done.
    """
    if only_if_empty:
        has_cells = await session.scalar(
            select(MapCell.layer).where(MapCell.layer == layer.name).limit(1)
        )
        has_items = await session.scalar(
            select(literal(1)).select_from(layer.source().subquery()).limit(1)
        )
        if has_cells or not has_items:
            return None
    return await replace_layer(session, layer)


async def replace_layer(session: AsyncSession, layer: MapLayer) -> int:
    """Recount a layer from scratch in the database; return the number of cell rows.

    Level 0 is counted from the layer's source rows, each level above from the one below.
    """
    await session.execute(delete(MapCell).where(MapCell.layer == layer.name))
    session.sync_session.info.setdefault(_CHANGED, set()).add(layer.name)
    await session.run_sync(_log, [], [layer.name])
    source = layer.source().subquery()
    # A public pin is a cell's centre, (k + 0.5) × STEP, so rounding finds k on every database.
    x0 = cast(func.round(source.c.lon / grid.STEP - 0.5), Integer)
    y0 = cast(func.round(source.c.lat / grid.STEP - 0.5), Integer)
    kinds = [source.c[d.name] for d in layer.dimensions]
    unused = [literal(UNUSED)] * (len(DIMENSION_COLUMNS) - len(kinds))
    amounts = [func.sum(source.c[name]) for name in layer.measures]
    amounts += [literal(0.0)] * (len(MEASURE_COLUMNS) - len(amounts))
    for province, only in (
        (literal(NATIONAL), true()),
        (source.c.province_code, source.c.province_code.is_not(None)),
    ):
        level0 = (
            select(
                literal(layer.name),
                province,
                literal(0),
                x0,
                y0,
                *kinds,
                *unused,
                func.count(),
                func.sum(source.c.lat),
                func.sum(source.c.lon),
                *amounts,
            )
            .where(only)
            .group_by(province, x0, y0, *kinds)
        )
        await session.execute(insert(MapCell).from_select(_ALL_COLUMNS, level0))
    dimensions = [MapCell.__table__.c[column] for column in DIMENSION_COLUMNS]
    for level in range(1, grid.MAX_LEVEL + 1):
        x, y = MapCell.x.op(">>")(1), MapCell.y.op(">>")(1)
        upper = (
            select(
                literal(layer.name),
                MapCell.province_code,
                literal(level),
                x,
                y,
                *dimensions,
                func.sum(MapCell.count),
                func.sum(MapCell.sum_lat),
                func.sum(MapCell.sum_lon),
                *(func.sum(MapCell.__table__.c[column]) for column in MEASURE_COLUMNS),
            )
            .where(MapCell.layer == layer.name, MapCell.level == level - 1)
            .group_by(x, y, MapCell.province_code, *dimensions)
        )
        await session.execute(insert(MapCell).from_select(_ALL_COLUMNS, upper))
    return await session.scalar(select(func.count()).where(MapCell.layer == layer.name))


# One join per axis: each strip is one column (x fixed) or one row (y fixed) of cells, so the
# key, or the second index, seeks straight to it. The strips are integers computed here, not
# input, and go into the text as literals; names and filters are bound parameters.
_STRIP_JOIN = """
SELECT m.x >> s.column2, m.y >> s.column2, m.d1, m.d2, m.d3,
       SUM(m.count), SUM(m.sum_lat), SUM(m.sum_lon), {sums}
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
    rects: list[grid.Rect],
    *,
    level: int,
    filters: dict[str, list[str]],
    measures: int,
    dialect: str,
):
    """Build the statement that sums the counts of the rectangles by display cell."""
    # Only the measure columns a layer uses are summed: most layers (requests) have none.
    sums = ", ".join(
        f"SUM(m.{column})" if index < measures else "0"
        for index, column in enumerate(MEASURE_COLUMNS)
    )
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
            sums=sums,
        )
        for strips, fixed, ranged, hint in zip(
            _strips(rects, level), ("x", "y"), ("y", "x"), ("", row_hint), strict=True
        )
        if strips
    ]
    statement = text("\nUNION ALL\n".join(parts))
    return statement.bindparams(*(bindparam(column, expanding=True) for column in filters))


def _columns(layer: MapLayer, filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return the filters that narrow anything, keyed by the cell column of their dimension."""
    return {layer.column(name): list(values) for name, values in filters.items() if values}


async def clusters(
    session: AsyncSession,
    *,
    layer: MapLayer,
    bbox: tuple[float, float, float, float],
    level: int,
    province_code: str | None = None,
    filters: dict[str, list[str]] | None = None,
    index: CellIndex | None = None,
) -> list[Cluster]:
    """Return the viewport's clusters of a layer from the counts, without touching its items.

    The national counts come from `index` when one is given and holds the layer (this
    process's memory), else from the database.
    """
    rects = grid.frames(bbox, level)
    if not rects:
        return []
    columns = _columns(layer, filters or {})
    held = index.layers.get(layer.name) if index is not None and not province_code else None
    if held is not None:
        with index.lock:
            return held.clusters(rects, level, columns)
    dialect = session.get_bind().dialect.name
    statement = _viewport_query(
        rects, level=level, filters=columns, measures=len(layer.measures), dialect=dialect
    )
    parameters = {"layer": layer.name, "province": province_code or NATIONAL, **columns}
    return gather(await session.execute(statement, parameters))


async def items_in(
    session: AsyncSession,
    *,
    layer: MapLayer,
    bbox: tuple[float, float, float, float],
    area: str,
    filters: dict[str, list[str]] | None = None,
) -> list[Item]:
    """Return the layer's items of an area whose public pin lies in the bbox, from its rows."""
    west, south, east, north = bbox
    source = layer.source().subquery()
    statement = select(
        source.c.province_code,
        *(source.c[d.name] for d in layer.dimensions),
        source.c.lat,
        source.c.lon,
        *(source.c[name] for name in layer.measures),
    ).where(
        area_scope.inside(source.c.area_code, area),
        source.c.lat.between(south, north),
        source.c.lon.between(west, east),
        *(source.c[name].in_(values) for name, values in (filters or {}).items() if values),
    )
    found = []
    names = [*(d.name for d in layer.dimensions), "lat", "lon", *layer.measures]
    for province_code, *values in await session.execute(statement):
        found.append(
            layer.item(province_code=province_code, **dict(zip(names, values, strict=True)))
        )
    return found
