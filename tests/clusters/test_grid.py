"""The cluster grid cuts any bbox into whole cells that hold exactly the pins inside it."""

from hypothesis import given, settings
from hypothesis import strategies as st

from jitasa.clusters import grid
from jitasa.core.geo import round_for_privacy

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
