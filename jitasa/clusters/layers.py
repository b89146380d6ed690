"""The map layer seam: a domain declares what its layer counts, the map does the rest."""

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Row, Select, and_, bindparam, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from jitasa.core.map_params import BBox

# The cell table has three generic dimension columns; a layer names the ones it uses, in order.
DIMENSION_COLUMNS = ("d1", "d2", "d3")
UNUSED = ""  # the value of a dimension column a layer does not use
# And three measure columns: sums a layer keeps per cell beside the count (free beds...).
MEASURE_COLUMNS = ("m1", "m2", "m3")


class Item(NamedTuple):
    """What the map counts of one thing: its layer, dimension values and public pin."""

    layer: str
    province_code: str | None
    values: tuple[str, ...]  # one per dimension column, UNUSED where the layer has none
    lat: float
    lon: float
    amounts: tuple[float, ...] = (0.0,) * len(MEASURE_COLUMNS)  # one per measure column


@dataclass(frozen=True)
class Dimension:
    """One way a layer's items are counted and filtered: a name, its values, its filter."""

    name: str  # shown in each cluster's counts, e.g. "status"
    # The allowed values, or a function that loads them (categories live in a table).
    values: Collection[str] | Callable[[AsyncSession], Awaitable[Collection[str]]]
    # The query parameter that filters this dimension on GET /api/v1/map.
    filter: str
    default: tuple[str, ...] = ()  # the values shown when the filter is not given
    # Filter values that stand for several stored ones (free_beds=yellow: every combination
    # of colours with yellow in it), accepted beside the values themselves.
    matches: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    async def allowed(self, session: AsyncSession) -> set[str]:
        """Return the values this dimension may take."""
        values = self.values
        return set(await values(session) if callable(values) else values) | set(self.matches)

    def expand(self, values: list[str]) -> list[str]:
        """Return the stored values a filter's values stand for."""
        return list(dict.fromkeys(v for value in values for v in self.matches.get(value, (value,))))


@dataclass(frozen=True)
class MapQuery:
    """A viewport and the dimension filters asked for, already checked."""

    bbox: BBox
    zoom: int
    level: int  # of the clusters: grid.level_for(bbox, zoom)
    area: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)  # dimension name -> values


# The public view (with id, lat and lon) of the matching item at each of these public pins.
PointsAt = Callable[
    [AsyncSession, MapQuery, list[tuple[float, float]]],
    Awaitable[dict[tuple[float, float], dict]],
]


@dataclass(frozen=True)
class MapLayer:
    """A domain's map layer: its dimensions, where its items come from, how one is counted."""

    name: str
    dimensions: tuple[Dimension, ...]
    # One row per item, labelled province_code, area_code, each dimension's and measure's
    # name, lat, lon (its public pin): what a recount and a district's map read.
    source: Callable[[], Select]
    # Numbers summed per cell beside the count, shown as each cluster's `sums`.
    measures: tuple[str, ...] = ()
    # At street zoom, a lone item may be shown as a point with its public view.
    points_at: PointsAt | None = None
    # The items' pins are public and exact (facilities): a lone item is a point at any zoom.
    exact_points: bool = False
    # The beginnings of the kinds of domain events that tell of a change to this layer's items
    # (its counts or the public view of a point): map answers cached by a process are forgotten
    # when one arrives, from any process.
    event_kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= len(self.dimensions) <= len(DIMENSION_COLUMNS):
            raise ValueError(f"layer {self.name} needs 1 to 3 dimensions")
        if len(self.measures) > len(MEASURE_COLUMNS):
            raise ValueError(f"layer {self.name} may keep at most 3 measures")

    def column(self, name: str) -> str:
        """Return the cell column that stores a dimension."""
        names = [d.name for d in self.dimensions]
        return DIMENSION_COLUMNS[names.index(name)]

    def item(
        self, *, province_code: str | None, lat: float, lon: float, **values: str | float
    ) -> Item:
        """Return what the map counts of one item, from its dimension values and measures."""
        names = [d.name for d in self.dimensions]
        if set(values) != {*names, *self.measures}:
            raise ValueError(f"layer {self.name} counts {names} and sums {list(self.measures)}")
        row = [str(values[name]) for name in names]
        row += [UNUSED] * (len(DIMENSION_COLUMNS) - len(row))
        amounts = [float(values[name] or 0) for name in self.measures]
        amounts += [0.0] * (len(MEASURE_COLUMNS) - len(amounts))
        return Item(self.name, province_code, tuple(row), lat, lon, tuple(amounts))


# A street-zoom viewport asks for up to a few thousand pins: they go in chunks (SQLite nests
# an OR chain as deep as it is long, up to 1,000), padded to a power of two so that only a
# handful of statements are ever made, each compiled once.
PINS_PER_STATEMENT = 256


def at_pins(
    columns: Callable[[], Select], lat: InstrumentedAttribute, lon: InstrumentedAttribute
) -> Callable[[int], Select]:
    """Return a maker of `columns()` narrowed to any of `size` pins (bound as lat_i, lon_i),
    each statement made once per size.

    Each pin is one seek of the (lat, lon) index: an OR of pairs, not two IN lists, whose every
    (lat, lon) combination would read the rows of the whole viewport; SQLite scans the table
    for `(lat, lon) IN (VALUES ...)`.
    """

    @functools.cache
    def statement(size: int) -> Select:
        pairs = (
            and_(lat == bindparam(f"lat_{i}"), lon == bindparam(f"lon_{i}")) for i in range(size)
        )
        return columns().where(or_(*pairs))

    return statement


async def rows_at_pins(
    session: AsyncSession,
    statement: Callable[[int], Select],
    pins: list[tuple[float, float]],
) -> AsyncIterator[Row]:
    """Yield the rows of `statement` (made by `at_pins`) at these pins, a chunk at a time."""
    for start in range(0, len(pins), PINS_PER_STATEMENT):
        chunk = pins[start : start + PINS_PER_STATEMENT]
        size = 1 << (len(chunk) - 1).bit_length()
        chunk += [chunk[-1]] * (size - len(chunk))
        bound = {
            f"{axis}_{i}": v
            for i, pin in enumerate(chunk)
            for axis, v in zip(("lat", "lon"), pin, strict=True)
        }
        for row in await session.execute(statement(size), bound):
            yield row
