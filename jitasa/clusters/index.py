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

import threading
from dataclasses import dataclass

import numpy as np

from jitasa.clusters import grid
from jitasa.clusters.grouping import Cluster
from jitasa.clusters.layers import DIMENSION_COLUMNS

OFFSET = 1 << 30  # cell indexes are kept non-negative inside a key
MERGE_ROWS = 4096  # a level's run of new rows is merged into its arrays past this size
_LOW = (1 << 32) - 1


def key(x, y):
    """Return the key of cell (x, y) (ints or arrays): sorted by x, then y."""
    return ((x + OFFSET) << 32) | (y + OFFSET)


class Run:
    """Rows sorted by cell key: key, kind of row (a combination of values), count and sums."""

    def __init__(self, keys, kinds, counts, sums) -> None:
        self.keys, self.kinds, self.counts, self.sums = keys, kinds, counts, sums

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

    def columns(self, xs: np.ndarray, y: grid.Span) -> np.ndarray:
        """Return the indexes of the rows in columns `xs` of cells, rows `y.lo`..`y.hi`."""
        lo = np.searchsorted(self.keys, key(xs, y.lo))
        hi = np.searchsorted(self.keys, key(xs, y.hi), side="right")
        lengths = hi - lo
        total = int(lengths.sum())
        if not total:
            return np.empty(0, np.int64)
        starts = lo - np.concatenate(([0], np.cumsum(lengths)[:-1]))
        return np.arange(total) + np.repeat(starts, lengths)


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

    def add(self, level: int, x: int, y: int, values: tuple, count: int, sums: list) -> None:
        """Add one row of a change."""
        kind = self.kinds.number(values)
        self.levels[level].add(key(x, y), kind, count, sums[: self.width])

    def clusters(
        self, rects: list[grid.Rect], level: int, filters: dict[str, list[str]]
    ) -> list[Cluster]:
        """Return the clusters of display `level` the rectangles hold, as the SQL would."""
        table = np.array(self.kinds.table or [(0, 0, 0)], np.int64).reshape(-1, 3)
        allowed = np.ones(len(table), bool)
        for column, wanted in filters.items():
            position = DIMENSION_COLUMNS.index(column)
            numbers = [
                self.kinds.numbers[position][v] for v in wanted if v in self.kinds.numbers[position]
            ]
            allowed &= np.isin(table[:, position], numbers)
        parts = []
        for rect in rects:
            shift = level - rect.level
            xs = np.arange(rect.x.lo, rect.x.hi + 1, dtype=np.int64)
            for run in (self.levels[rect.level].main, self.levels[rect.level].recent):
                rows = run.columns(xs, rect.y) if len(run.keys) else ()
                if len(rows):
                    rows = rows[allowed[run.kinds[rows]] & (run.counts[rows] > 0)]
                if len(rows):
                    keys = run.keys[rows]
                    x, y = ((keys >> 32) - OFFSET) >> shift, ((keys & _LOW) - OFFSET) >> shift
                    parts.append((x, y, run.kinds[rows], run.counts[rows], run.sums[rows]))
        if not parts:
            return []
        x, y, kinds, counts, sums = (np.concatenate(column) for column in zip(*parts, strict=True))
        return self._gather(x, y, table[kinds], counts, sums)

    def _gather(self, x, y, values, counts, sums) -> list[Cluster]:
        """Sum rows into clusters by display cell, in (y, x) order as `grouping.gather` does."""
        west, south = int(x.min()), int(y.min())
        span = int(x.max()) - west + 1
        cells = (y - south) * span + (x - west)  # a viewport's display cells: a few thousand
        size = int(cells.max()) + 1
        total = np.bincount(cells, weights=counts, minlength=size)
        present = np.flatnonzero(total)
        columns = [
            np.bincount(cells, weights=sums[:, i], minlength=size)[present].tolist()
            for i in range(self.width)
        ]
        by_value = []
        for position, names in enumerate(self.kinds.values):
            width = max(len(names), 1)
            spread = np.bincount(
                cells * width + values[:, position], weights=counts, minlength=size * width
            )
            order = sorted(range(len(names)), key=names.__getitem__)
            by_value.append((names, spread.reshape(size, width)[present].tolist(), order))
        result = []
        for i, (cell, count) in enumerate(
            zip(present.tolist(), total[present].tolist(), strict=True)
        ):
            cluster = Cluster(
                west + cell % span, south + cell // span, int(count), columns[0][i], columns[1][i]
            )
            cluster.by_value = tuple(
                {names[v]: int(spread[i][v]) for v in order if spread[i][v]}
                for names, spread, order in by_value
            )
            for m in range(2, self.width):
                cluster.sums[m - 2] = columns[m][i]
            result.append(cluster)
        return result


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
