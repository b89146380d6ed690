"""Point-in-polygon lookup of areas over loaded boundaries (pure, in memory, STRtree)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from jitasa.core.words import CODE_LENGTHS, LEVEL_LENGTHS, AreaLevel

LOCATED_LEVELS = (AreaLevel.PROVINCE, AreaLevel.DISTRICT, AreaLevel.SUBDISTRICT)


@dataclass(frozen=True)
class Boundary:
    """The polygon of one area."""

    code: str
    geometry: BaseGeometry


class AreaLocator:
    """Find the province, district and subdistrict codes whose boundaries contain a point."""

    def __init__(self, boundaries: Iterable[Boundary]) -> None:
        kept = [b for b in boundaries if CODE_LENGTHS.get(len(b.code)) in LOCATED_LEVELS]
        self._codes = np.array([b.code for b in kept], dtype=object)
        geometries = [b.geometry for b in kept]
        for geometry in geometries:
            shapely.prepare(geometry)
        self._tree = STRtree(geometries)

    def __len__(self) -> int:
        return len(self._codes)

    def locate(self, lat: float, lon: float) -> dict[str, str]:
        """Return `{level: code}` for the areas containing the point (parents filled by code)."""
        return self.locate_many([lat], [lon])[0]

    def locate_many(self, lats: Sequence[float], lons: Sequence[float]) -> list[dict[str, str]]:
        """Locate many points at once; one `{level: code}` per point, in order."""
        found: list[dict[str, str]] = [{} for _ in lats]
        if not len(self._codes) or not len(lats):
            return found
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        point_index, area_index = self._tree.query(points, predicate="intersects")
        for p, a in zip(point_index.tolist(), area_index.tolist(), strict=True):
            code = self._codes[a]
            levels = found[p]
            level = CODE_LENGTHS[len(code)]
            # On a shared border the smallest code wins, so the answer never depends on order.
            if level not in levels or code < levels[level]:
                levels[level] = code
        return [_with_parents(levels) for levels in found]


def _with_parents(levels: dict[str, str]) -> dict[str, str]:
    """Derive parents from the most precise code: DOPA codes nest by prefix, and simplified
    boundaries of different levels disagree slightly along borders."""
    precise = levels.get(AreaLevel.SUBDISTRICT) or levels.get(AreaLevel.DISTRICT)
    if precise:
        levels[AreaLevel.PROVINCE] = precise[: LEVEL_LENGTHS[AreaLevel.PROVINCE]]
        if CODE_LENGTHS[len(precise)] == AreaLevel.SUBDISTRICT:
            levels[AreaLevel.DISTRICT] = precise[: LEVEL_LENGTHS[AreaLevel.DISTRICT]]
    return levels
