"""Clusters: rows of cell counts, or items already in view, merged per grid cell of a level."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from jitasa.clusters import grid
from jitasa.clusters.layers import Item


@dataclass
class Cluster:
    """The items of one display cell that lie in the viewport."""

    x: int
    y: int
    count: int = 0
    sum_lat: float = 0.0
    sum_lon: float = 0.0
    # Counts by value, one mapping per dimension column (d1, d2, d3).
    by_value: tuple[dict[str, int], ...] = field(default_factory=lambda: ({}, {}, {}))
    sums: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # of m1, m2, m3

    @property
    def lat(self) -> float:
        """Return the centroid's latitude."""
        return round(self.sum_lat / self.count, 5)

    @property
    def lon(self) -> float:
        """Return the centroid's longitude."""
        return round(self.sum_lon / self.count, 5)

    def add(self, values: tuple[str, str, str], count: int, lat: float, lon: float) -> None:
        """Count `count` items with these dimension values, pins summing to (lat, lon)."""
        self.count += count
        self.sum_lat += lat
        self.sum_lon += lon
        for counts, key in zip(self.by_value, values):  # noqa: B905 - both are three long
            counts[key] = counts.get(key, 0) + count

    def add_sums(self, amounts: tuple) -> None:
        """Add the measures of items counted here."""
        for index, amount in enumerate(amounts):
            self.sums[index] += amount or 0.0


def gather(rows: Iterable[tuple]) -> list[Cluster]:
    """Merge (x, y, d1, d2, d3, count, sum_lat, sum_lon, m1, m2, m3) rows into clusters."""
    found: dict[tuple[int, int], Cluster] = {}
    for x, y, d1, d2, d3, n, lat, lon, m1, m2, m3 in rows:
        if not n:
            continue
        cluster = found.get((x, y))
        if cluster is None:
            cluster = found[(x, y)] = Cluster(x, y)
        cluster.add((d1, d2, d3), n, lat, lon)
        if m1 or m2 or m3:  # most layers keep no measures
            cluster.add_sums((m1, m2, m3))
    return sorted(found.values(), key=lambda c: (c.y, c.x))


def cluster_items(items: Iterable[Item], *, level: int) -> list[Cluster]:
    """Cluster items already known to lie in the viewport, as `clusters` would."""
    rows = []
    for item in items:
        x, y = grid.cell_of(item.lat, item.lon)
        rows.append((x >> level, y >> level, *item.values, 1, item.lat, item.lon, *item.amounts))
    return gather(rows)
