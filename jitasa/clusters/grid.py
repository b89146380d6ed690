"""The cluster grid: nested square cells of the privacy grid, and a bbox cut into whole cells.

Level 0 is the ~500 m privacy grid itself, so every public pin is the centre of exactly one
level-0 cell; a level-l cell holds 2^l × 2^l level-0 cells. A viewport is covered exactly by
whole cells: the largest ones inside it at the display level, and a ring of ever smaller ones
along its edges down to level 0, where a cell is in the bbox exactly when its pin is.
"""

import math
from dataclasses import dataclass

from jitasa.core.geo import PRIVACY_GRID_DEGREES, round_for_privacy

STEP = PRIVACY_GRID_DEGREES
MAX_LEVEL = 13  # 41° cells: all of Thailand in one
# Display cells are 2^(14 - zoom) privacy cells wide, about 58 screen pixels at any zoom.
ZOOM_OFFSET = 14
# A viewport far bigger than a screen at its zoom gets bigger cells, so no answer is huge.
MAX_DISPLAY_CELLS = 4096


@dataclass(frozen=True)
class Span:
    """An inclusive range of cell indexes; empty when lo > hi."""

    lo: int
    hi: int

    @property
    def empty(self) -> bool:
        """Tell whether the range holds no cell."""
        return self.lo > self.hi

    @property
    def size(self) -> int:
        """Return how many cells the range holds."""
        return max(0, self.hi - self.lo + 1)


@dataclass(frozen=True)
class Rect:
    """A rectangle of whole cells of one level."""

    level: int
    x: Span
    y: Span


def display_level(zoom: int) -> int:
    """Return the level whose cells are the clusters shown at this zoom on a screen."""
    return max(0, min(MAX_LEVEL, ZOOM_OFFSET - zoom))


def level_for(bbox: tuple[float, float, float, float], zoom: int) -> int:
    """Return the cluster level of a viewport: the zoom's, or coarser if the bbox is huge."""
    west, south, east, north = bbox
    level = display_level(zoom)
    while level < MAX_LEVEL:
        size = STEP * (1 << level)
        if ((east - west) / size + 2) * ((north - south) / size + 2) <= MAX_DISPLAY_CELLS:
            break
        level += 1
    return level


def cell_of(lat: float, lon: float) -> tuple[int, int]:
    """Return the level-0 cell (x, y) of a public pin."""
    return math.floor(lon / STEP), math.floor(lat / STEP)


def centre(index: int) -> float:
    """Return the coordinate of a level-0 cell's centre, exactly as public pins store it."""
    return round_for_privacy((index + 0.5) * STEP, 0.0)[0]


def _level0_span(low: float, high: float) -> Span:
    """Return the level-0 indexes whose centres lie within [low, high].

    `floor(low / STEP)` is the cell holding `low`, or (rounding at a cell's edge) the one
    below it; either way its centre decides, half a cell from any edge: one step up at most.
    """
    lo, hi = math.floor(low / STEP), math.floor(high / STEP)
    if centre(lo) < low:
        lo += 1
    if centre(hi) > high:
        hi -= 1
    return Span(lo, hi)


def _whole(span: Span, level: int) -> Span:
    """Return the level-l cells all of whose level-0 cells lie in the span."""
    return Span(-((-span.lo) >> level), ((span.hi + 1) >> level) - 1)


def _children(span: Span) -> Span:
    """Return the cells one level down that make up the span's cells."""
    return Span(1, 0) if span.empty else Span(span.lo * 2, span.hi * 2 + 1)


def _minus(outer: Rect, hole_x: Span, hole_y: Span) -> list[Rect]:
    """Return up to four rectangles covering `outer` less the hole it wholly contains."""
    if hole_x.empty or hole_y.empty:
        return [outer]
    level, x, y = outer.level, outer.x, outer.y
    pieces = [
        Rect(level, Span(x.lo, hole_x.lo - 1), y),
        Rect(level, Span(hole_x.hi + 1, x.hi), y),
        Rect(level, hole_x, Span(y.lo, hole_y.lo - 1)),
        Rect(level, hole_x, Span(hole_y.hi + 1, y.hi)),
    ]
    return [p for p in pieces if not (p.x.empty or p.y.empty)]


def base(bbox: tuple[float, float, float, float]) -> tuple[Span, Span]:
    """Return the level-0 cells (x, y spans) whose pins lie in the bbox: what `frames` cuts.

    Two viewports with the same base cut into the same cells at any level, so at one level
    their clusters are the same.
    """
    west, south, east, north = bbox
    return _level0_span(west, east), _level0_span(south, north)


def frames(bbox: tuple[float, float, float, float], level: int) -> list[Rect]:
    """Cut the bbox into whole cells of `level` and rings of smaller ones, biggest first."""
    west, south, east, north = bbox
    base_x, base_y = _level0_span(west, east), _level0_span(south, north)
    if base_x.empty or base_y.empty:
        return []
    cut, above_x, above_y = [], Span(1, 0), Span(1, 0)
    for current in range(level, -1, -1):
        x, y = _whole(base_x, current), _whole(base_y, current)
        if not (x.empty or y.empty):
            cut += _minus(Rect(current, x, y), _children(above_x), _children(above_y))
        above_x, above_y = x, y
    return cut
