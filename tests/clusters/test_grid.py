"""The cluster grid cuts any bbox into whole cells that hold exactly the pins inside it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitasa.clusters import grid
from jitasa.core.geo import THAILAND_BOUNDS, round_for_privacy

coordinate = st.floats(min_value=0.0, max_value=0.4)


def _level0_cells(rect: grid.Rect) -> set[tuple[int, int]]:
    """Return the level-0 cells a rectangle of any level is made of."""
    size = 1 << rect.level
    return {
        (x, y)
        for cx in range(rect.x.lo, rect.x.hi + 1)
        for cy in range(rect.y.lo, rect.y.hi + 1)
        for x in range(cx * size, (cx + 1) * size)
        for y in range(cy * size, (cy + 1) * size)
    }


@settings(max_examples=200, deadline=None)
@given(
    west=coordinate,
    south=coordinate,
    width=coordinate,
    height=coordinate,
    zoom=st.integers(8, 20),
)
def test_cells_cover_exactly_the_pins_in_the_bbox_once(west, south, width, height, zoom):
    bbox = (100 + west, 13 + south, 100 + west + width, 13 + south + height)
    rects = grid.frames(bbox, grid.level_for(bbox, zoom))
    covered: list[tuple[int, int]] = []
    for rect in rects:
        covered += _level0_cells(rect)
    assert len(covered) == len(set(covered))  # no cell counted twice
    x_lo, y_lo = grid.cell_of(bbox[1] - 0.01, bbox[0] - 0.01)
    x_hi, y_hi = grid.cell_of(bbox[3] + 0.01, bbox[2] + 0.01)
    inside = {
        (x, y)
        for x in range(x_lo, x_hi + 1)
        for y in range(y_lo, y_hi + 1)
        if bbox[0] <= grid.centre(x) <= bbox[2] and bbox[1] <= grid.centre(y) <= bbox[3]
    }
    assert set(covered) == inside
    assert not any(rect.x.empty or rect.y.empty for rect in rects)  # every cell holds pins
    base_x, base_y = grid.base(bbox)
    if inside:
        xs, ys = {x for x, _ in inside}, {y for _, y in inside}
        assert (base_x, base_y) == (grid.Span(min(xs), max(xs)), grid.Span(min(ys), max(ys)))
    else:
        assert base_x.empty or base_y.empty


@given(lat=st.floats(-89, 89), lon=st.floats(-179, 179))
def test_every_public_pin_is_the_centre_of_its_level0_cell(lat, lon):
    public_lat, public_lon = round_for_privacy(lat, lon)
    x, y = grid.cell_of(public_lat, public_lon)
    assert (grid.centre(y), grid.centre(x)) == (public_lat, public_lon)


def test_a_huge_viewport_gets_coarser_cells_not_a_huge_answer():
    world = (-180.0, -90.0, 180.0, 90.0)
    assert grid.level_for(world, 20) > grid.display_level(20)
    thailand = (97.3, 5.6, 105.7, 20.5)
    assert grid.level_for(thailand, 6) == grid.display_level(6)
    level = grid.level_for(world, 20)
    size = grid.STEP * (1 << level)
    assert (360 / size + 2) * (180 / size + 2) <= grid.MAX_DISPLAY_CELLS


@pytest.mark.parametrize("zoom", range(1, 15))
def test_a_display_cell_is_about_58_screen_pixels_wide_at_every_zoom(zoom):
    degrees = grid.STEP * (1 << grid.display_level(zoom))
    pixels = degrees / 360 * 256 * (1 << zoom)  # a web map is 256 × 2^zoom pixels round
    assert pixels == pytest.approx(58.25, abs=0.01)


def test_display_levels_stop_at_the_privacy_grid_and_at_the_top_level():
    assert [grid.display_level(z) for z in (14, 15, 20)] == [0, 0, 0]
    assert [grid.display_level(z) for z in (-3, 0, 1, 2)] == [13, 13, 13, 12]


def test_the_top_level_is_the_smallest_whose_one_cell_holds_all_of_thailand():
    west, south, east, north = THAILAND_BOUNDS
    corners = [grid.cell_of(lat, lon) for lat in (south, north) for lon in (west, east)]

    def cells_at(level: int) -> set[tuple[int, int]]:
        return {(x >> level, y >> level) for x, y in corners}

    assert len(cells_at(grid.MAX_LEVEL)) == 1
    assert len(cells_at(grid.MAX_LEVEL - 1)) > 1


def test_a_viewport_keeps_its_zooms_cells_up_to_4096_of_them():
    # At zoom 10 cells are 0.08° wide: a 4° square is 52 × 52 = 2,704 cells with the margins,
    # a 6° one 77 × 77 = 5,929, so it gets the next level's cells.
    assert grid.display_level(10) == 4
    assert grid.level_for((100.0, 13.0, 104.0, 17.0), 10) == 4
    assert grid.level_for((100.0, 13.0, 106.0, 19.0), 10) == 5


@pytest.mark.parametrize("zoom", [14, 10])
def test_a_viewport_of_exactly_4096_display_cells_keeps_them_one_more_does_not(zoom):
    # Counted with a cell of margin on each side: 62 + 2 cells by 62 + 2 is 4,096 (from 0°, 0°,
    # where the sums come out exact in floating point; the first assert checks that they do).
    level = grid.display_level(zoom)
    size = grid.STEP * (1 << level)
    for across, expected in ((62, level), (62.5, level + 1)):
        bbox = (0.0, 0.0, across * size, across * size)
        assert ((bbox[2] - bbox[0]) / size + 2) * ((bbox[3] - bbox[1]) / size + 2) == (
            (across + 2) ** 2
        )
        assert grid.level_for(bbox, zoom) == expected, across


def test_pins_on_the_edges_count_and_a_viewport_of_whole_cells_is_cut_into_them():
    # From the pin at the centre of cell (20000, 2600) to the pin of cell (20007, 2607): 8 × 8
    # level-0 cells, which are exactly 2 × 2 level-2 cells (4 level-0 cells wide, aligned).
    x, y = 20_000, 2_600
    bbox = (grid.centre(x), grid.centre(y), grid.centre(x + 7), grid.centre(y + 7))
    assert grid.base(bbox) == (grid.Span(x, x + 7), grid.Span(y, y + 7))
    assert grid.frames(bbox, 2) == [
        grid.Rect(2, grid.Span(x // 4, x // 4 + 1), grid.Span(650, 651))
    ]
    assert grid.frames(bbox, 0) == [grid.Rect(0, grid.Span(x, x + 7), grid.Span(y, y + 7))]
