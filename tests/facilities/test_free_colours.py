"""The free-colour value the map filters on: a colour counts from exactly one free bed."""

import pytest

from jitasa.facilities.words import FREE_COLOUR_VALUES, NO_FREE_BEDS, WITH_FREE_BED, free_colours


@pytest.mark.parametrize(
    ("free", "value"),
    [
        ({"red": 1, "yellow": 0, "green": 1}, "red+green"),  # most severe first, joined by +
        ({"red": 0, "yellow": 1}, "yellow"),  # a colour left out has no free bed
        ({"red": 0, "yellow": 0, "green": 0}, NO_FREE_BEDS),
        ({}, NO_FREE_BEDS),
        ({"red": 2, "yellow": 3, "green": 4}, "red+yellow+green"),
    ],
)
def test_a_colour_is_named_from_one_free_bed(free, value):
    assert free_colours(free) == value


def test_the_map_filters_know_every_value_and_which_hold_a_free_bed_of_a_colour():
    assert NO_FREE_BEDS == "none" and len(FREE_COLOUR_VALUES) == 8
    assert WITH_FREE_BED["yellow"] == ("red+yellow", "red+yellow+green", "yellow", "yellow+green")
