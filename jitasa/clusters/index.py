"""The national cell counts of every level, in this process's memory: a viewport in microseconds.

`map_cells` keeps each item counted at every level, nationally and per province. An index holds
the national rows (the map everyone opens) as sorted numpy arrays per layer and level: a cell's
key packs (x, y), so one column of cells is one slice found by binary search, and a viewport's
cut (`grid.frames`) is a few vectorised searches and sums. A province's map still reads its own
rows from the database.

It is built from `map_cells` in one read transaction, which also notes where the change log
(`map_cell_changes`) stands; from then on it adds each logged change exactly once: this
process's at its commit (`service.on_commit_changes`), other processes' when `follow` reads the
log. A row a change adds that the arrays lack goes to a small sorted run beside them, merged in
when it grows. Counts are integers, so they stay exact; the pins' sums are floats added in
another order than the database's, equal to the last bits.
"""

import itertools
import threading
from dataclasses import dataclass

import numpy as np

from jitasa.clusters import grid
from jitasa.clusters.grouping import Cluster
from jitasa.clusters.layers import DIMENSION_COLUMNS

OFFSET = 1 << 30  # cell indexes are kept non-negative inside a key
MERGE_ROWS = 4096  # a level's run of new rows is merged into its arrays past this size
_LOW = (1 << 32) - 1
MASKS = 64  # filter masks kept per layer
PAD = [0.0, 0.0, 0.0]  # a cluster's sums of measures the layer does not keep


def key(x, y):
    """Return the key of cell (x, y) (ints or arrays): sorted by x, then y."""
    return ((x + OFFSET) << 32) | (y + OFFSET)


def _bounds(spans: list[tuple[int, int, int, int]]) -> np.ndarray:
    """Return the key ranges of the lines of cells of rectangles (first, past-last line, first,
    past-last cell along it): every line's first key, then every line's key past its last."""
    lines = np.concatenate([np.arange(lo, hi, dtype=np.int64) for lo, hi, *_ in spans])
    counts = [hi - lo for lo, hi, *_ in spans]
    firsts = np.repeat([first for *_, first, _ in spans], counts)
    pasts = np.repeat([past for *_, past in spans], counts)
    return np.concatenate((key(lines, firsts), key(lines, pasts)))


class Run:
    """Rows sorted by cell key: key, kind of row (a combination of values), count and sums."""

    def __init__(self, keys, kinds, counts, sums) -> None:
        self.keys, self.kinds, self.counts, self.sums = keys, kinds, counts, sums
        self._by_rows: tuple[np.ndarray, np.ndarray] | None = None

    def by_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the keys flipped to sort by y, then x, sorted, and where each row is: a row
        of cells is then one range, as a column is in `keys` (made once: keys never change)."""
        if self._by_rows is None:
            flipped = ((self.keys & _LOW) << 32) | (self.keys >> 32)
            order = np.argsort(flipped, kind="stable").astype(np.int32)
            self._by_rows = (flipped[order], order)
        return self._by_rows

    @classmethod
    def empty(cls, width: int) -> "Run":
        """Return a run with no rows and `width` sums per row."""
        return cls(
            np.empty(0, np.int64),
            np.empty(0, np.int32),
            np.empty(0, np.int64),
            np.empty((0, width)),
        )

    def add(self, cell: int, kind: int, count: int, sums: list[float]) -> bool:
        """Add to the row of this cell and kind; return False when the run has no such row."""
        lo, hi = np.searchsorted(self.keys, [cell, cell + 1])
        for index in range(lo, hi):
            if self.kinds[index] == kind:
                self.counts[index] += count
                self.sums[index] += sums
                return True
        return False

    def insert(self, other: "Run") -> "Run":
        """Return this run with the rows of another (sorted, keys not in this one) put in."""
        at = np.searchsorted(self.keys, other.keys)
        return Run(
            np.insert(self.keys, at, other.keys),
            np.insert(self.kinds, at, other.kinds),
            np.insert(self.counts, at, other.counts),
            np.insert(self.sums, at, other.sums, axis=0),
        )

    def within(
        self, bounds: np.ndarray, allowed: np.ndarray, shift: int, *, flat: bool = False
    ) -> tuple | None:
        """Return (x, y, kind, count, sums) of the rows the filters allow in the key ranges
        `bounds` (their starts, then their ends, exclusive; `flat`: of flipped keys, rows of
        cells), x and y shifted up to display cells; None when there are none."""
        keys, order = self.by_rows() if flat else (self.keys, None)
        found = keys.searchsorted(bounds)
        half = len(found) // 2
        lo, lengths = found[:half], found[half:] - found[:half]
        total = int(lengths.sum())
        if not total:
            return None
        starts = lo - np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.arange(total) + np.repeat(starts, lengths)
        if order is not None:
            rows = order[rows]
        kinds = self.kinds[rows]
        rows = rows[allowed[kinds] & (self.counts[rows] > 0)]
        if not len(rows):
            return None
        keys = self.keys[rows]
        x, y = ((keys >> 32) - OFFSET) >> shift, ((keys & _LOW) - OFFSET) >> shift
        return x, y, self.kinds[rows], self.counts[rows], self.sums[rows]


class Level:
    """One layer's rows at one level: the arrays, and a small run of rows added since."""

    def __init__(self, main: Run, width: int) -> None:
        self.main, self.recent, self.width = main, Run.empty(width), width

    def add(self, cell: int, kind: int, count: int, sums: list[float]) -> None:
        """Add a change to a row, making the row when it is new."""
        if self.main.add(cell, kind, count, sums) or self.recent.add(cell, kind, count, sums):
            return
        row = Run(
            np.array([cell], np.int64),
            np.array([kind], np.int32),
            np.array([count], np.int64),
            np.array([sums], float),
        )
        self.recent = self.recent.insert(row)
        if len(self.recent.keys) > MERGE_ROWS:
            self.main, self.recent = self.main.insert(self.recent), Run.empty(self.width)


@dataclass
class Kinds:
    """A layer's combinations of dimension values, numbered as they are met."""

    values: list[list[str]]  # per dimension column, the values met, by number
    numbers: list[dict[str, int]]  # per dimension column, each value's number
    table: list[tuple[int, int, int]]  # per kind, its values' numbers
    of: dict[tuple[str, str, str], int]

    @classmethod
    def new(cls) -> "Kinds":
        """Return an empty numbering."""
        return cls([[] for _ in DIMENSION_COLUMNS], [{} for _ in DIMENSION_COLUMNS], [], {})

    def number(self, values: tuple[str, str, str]) -> int:
        """Return the number of a combination of values, numbering it when new."""
        found = self.of.get(values)
        if found is None:
            numbers = []
            for column, value in enumerate(values):
                if value not in self.numbers[column]:
                    self.numbers[column][value] = len(self.values[column])
                    self.values[column].append(value)
                numbers.append(self.numbers[column][value])
            found = self.of[values] = len(self.table)
            self.table.append(tuple(numbers))
        return found


class LayerCells:
    """A layer's national rows at every level."""

    def __init__(self, width: int) -> None:
        self.width = width  # sum_lat, sum_lon and the measures the layer keeps
        self.kinds = Kinds.new()
        self.levels = [Level(Run.empty(width), width) for _ in range(grid.MAX_LEVEL + 1)]
        self._masks: dict[tuple, np.ndarray] = {}  # per filters asked, the kinds they allow
        self._kind_table = np.empty((0, 3), np.int64)

    def add(self, level: int, x: int, y: int, values: tuple, count: int, sums: list) -> None:
        """Add one row of a change."""
        kind = self.kinds.number(values)
        self.levels[level].add(key(x, y), kind, count, sums[: self.width])

    def clusters(
        self, rects: list[grid.Rect], level: int, filters: dict[str, list[str]]
    ) -> list[Cluster]:
        """Return the clusters of display `level` the rectangles hold, as the SQL would.

        The rectangles of one level are read together: every column of cells they hold is one
        range of keys, all found by one binary search per run. Numpy's cost is per call, not
        per element, so a viewport is a few dozen calls whatever its size.
        """
        allowed = self._allowed(filters)
        parts = []
        for at, group in itertools.groupby(rects, key=lambda rect: rect.level):
            shift, level_rows = level - at, self.levels[at]
            tall, flat = [], []
            for r in group:
                if r.x.size <= r.y.size:  # a column of cells is one range of keys
                    tall.append((r.x.lo, r.x.hi + 1, r.y.lo, r.y.hi + 1))
                else:  # a row of cells is one range of flipped keys
                    flat.append((r.y.lo, r.y.hi + 1, r.x.lo, r.x.hi + 1))
            for spans, is_flat in ((tall, False), (flat, True)):
                if not spans:
                    continue
                bounds = _bounds(spans)
                for run in (level_rows.main, level_rows.recent):
                    if len(run.keys):
                        part = run.within(bounds, allowed, shift, flat=is_flat)
                        if part is not None:
                            parts.append(part)
        if not parts:
            return []
        x, y, kinds, counts, sums = (np.concatenate(column) for column in zip(*parts, strict=True))
        return self._gather(x, y, kinds, counts, sums)

    def _allowed(self, filters: dict[str, list[str]]) -> np.ndarray:
        """Return, per kind, whether the filters let it through (kept until new kinds come)."""
        asked = (len(self.kinds.table), tuple((c, tuple(v)) for c, v in filters.items()))
        found = self._masks.get(asked)
        if found is None:
            table = self._table()
            found = np.ones(len(table), bool)
            for column, wanted in filters.items():
                position = DIMENSION_COLUMNS.index(column)
                numbers = self.kinds.numbers[position]
                found &= np.isin(table[:, position], [numbers[v] for v in wanted if v in numbers])
            if len(self._masks) >= MASKS:
                self._masks.clear()
            self._masks[asked] = found
        return found

    def _table(self) -> np.ndarray:
        """Return the kinds' values' numbers as an array, one row per kind."""
        if len(self._kind_table) != len(self.kinds.table):
            self._kind_table = np.array(self.kinds.table, np.int64).reshape(-1, 3)
        return self._kind_table

    def _gather(self, x, y, kinds, counts, sums) -> list[Cluster]:
        """Sum rows into clusters by display cell, in (y, x) order as `grouping.gather` does."""
        west, south = int(x.min()), int(y.min())
        span = int(x.max()) - west + 1
        cells = (y - south) * span + (x - west)  # a viewport's display cells: a few thousand
        total = np.bincount(cells, weights=counts)
        present = np.flatnonzero(total)
        number = np.zeros(len(total), np.int64)  # each present cell's place among them
        number[present] = np.arange(len(present))
        places = number[cells]
        size = len(present)
        columns = [
            np.bincount(places, weights=sums[:, i], minlength=size) for i in range(self.width)
        ]
        values = self._table()[kinds]
        by_value = []
        for position, names in enumerate(self.kinds.values):
            width = len(names)
            order = sorted(range(width), key=names.__getitem__)
            spread = np.bincount(
                places * width + values[:, position], weights=counts, minlength=size * width
            ).reshape(size, width)[:, order]
            ordered = [names[v] for v in order]
            by_value.append(
                [
                    dict(itertools.compress(zip(ordered, row, strict=True), row))
                    for row in spread.astype(np.int64).tolist()
                ]
            )
        sums_of = np.stack(columns, axis=1).tolist()
        return [
            Cluster(
                west + cell % span,
                south + cell // span,
                count,
                s[0],
                s[1],
                values,
                s[2:] + PAD[len(s) - 2 :],
            )
            for cell, count, s, values in zip(
                present.tolist(),
                total[present].astype(np.int64).tolist(),
                sums_of,
                zip(*by_value, strict=True),
                strict=True,
            )
        ]


class CellIndex:
    """Every layer's national rows; `add` takes logged changes, `clusters` answers viewports."""

    def __init__(self) -> None:
        self.layers: dict[str, LayerCells] = {}
        self.lock = threading.Lock()

    def layer(self, name: str, width: int) -> LayerCells:
        """Return a layer's rows, new and empty when the index did not hold the layer."""
        found = self.layers.get(name)
        if found is None:
            found = self.layers[name] = LayerCells(width)
        return found

    def add(self, rows: list[list]) -> None:
        """Add logged rows [layer, level, x, y, d1, d2, d3, count, sum_lat, sum_lon, m1..m3]
        of the layers the index holds."""
        with self.lock:
            for name, level, x, y, d1, d2, d3, count, *sums in rows:
                cells = self.layers.get(name)
                if cells is not None:
                    cells.add(level, x, y, (d1, d2, d3), count, sums)
