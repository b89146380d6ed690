"""Cell values as officials write them: Thai digits, BE dates, positions in every usual form."""

from datetime import UTC, datetime

import pytest

from jitasa.core.errors import Invalid
from jitasa.imports import values


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("18.7883", 18.7883),
        ("๑๘.๗๘๘๓", 18.7883),
        (18.5, 18.5),
        ("18°47'20.4\"N", pytest.approx(18.789, abs=1e-4)),
        ("98°58′30″E", pytest.approx(98.975, abs=1e-4)),
        ("18°S", -18.0),
    ],
)
def test_a_coordinate_is_read_from_decimals_thai_digits_and_dms(cell, expected):
    assert values.coordinate(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("18.7910, 98.9720", (18.791, 98.972)),
        ("(18.7910 98.9720)", (18.791, 98.972)),
        ("๑๘.๗๙๑๐, ๙๘.๙๗๒๐", (18.791, 98.972)),
        ("https://www.google.com/maps/@18.7883,98.9853,15z", (18.7883, 98.9853)),
        ("https://maps.google.com/?q=18.7883,98.9853", (18.7883, 98.9853)),
        (
            "https://www.google.com/maps/place/x/@18.1,98.1,17z/data=!3d18.7883!4d98.9853",
            (18.7883, 98.9853),
        ),
    ],
)
def test_a_whole_position_is_read_from_one_cell(cell, expected):
    lat, lon = values.pair(cell)
    assert (lat, lon) == pytest.approx(expected)


def test_two_dms_angles_in_one_cell_are_a_position():
    lat, lon = values.pair("18°47'20.4\"N 98°58'30\"E")
    assert lat == pytest.approx(18.789, abs=1e-4) and lon == pytest.approx(98.975, abs=1e-4)


@pytest.mark.parametrize("cell", ["near the market", "18.7", "https://maps.google.com/?q=market"])
def test_a_position_that_is_not_one_is_refused_with_the_value(cell):
    with pytest.raises(Invalid) as refused:
        values.pair(cell)
    assert refused.value.code == "imports.bad_coordinates"
    assert cell[:20] in refused.value.detail


def test_a_swapped_pin_is_turned_round_and_said_so():
    assert values.position(98.97, 18.79) == (18.79, 98.97, True)
    assert values.position(18.79, 98.97) == (18.79, 98.97, False)


def test_a_pin_outside_thailand_is_refused_naming_it():
    with pytest.raises(Invalid) as refused:
        values.position(51.5, -0.12)  # London
    assert refused.value.code == "imports.outside_thailand"
    assert "51.5" in refused.value.detail


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("มี", True), ("ไม่มี", False), ("ใช่", True), ("ไม่ใช่", False), ("Yes", True), ("0", False)],
)
def test_thai_and_english_yes_no(cell, expected):
    assert values.yes_no(cell) is expected


def test_a_word_that_is_not_yes_or_no_is_refused():
    with pytest.raises(Invalid, match="not yes or no"):
        values.yes_no("บางครั้ง")


@pytest.mark.parametrize(
    "cell",
    ["10/11/2564", "๑๐/๑๑/๒๕๖๔", "10 พ.ย. 64", "10 พฤศจิกายน 2564", "2021-11-10", "10/11/64"],
)
def test_dates_in_be_and_ce_are_the_same_day(cell):
    # 10 Nov 2021 00:00 in Bangkok is 9 Nov 17:00 UTC
    assert values.when(cell) == datetime(2021, 11, 9, 17, 0, tzinfo=UTC)


def test_a_spreadsheet_date_cell_with_a_be_year_is_read_as_be():
    assert values.when(datetime(2564, 11, 10, 8, 0)) == datetime(2021, 11, 10, 1, 0, tzinfo=UTC)


def test_a_count_with_a_fraction_is_refused():
    assert values.whole_number("๑,๒๐๐") == 1200
    assert values.whole_number(12.0) == 12
    with pytest.raises(Invalid, match="not a whole number"):
        values.whole_number("12.5")


@pytest.mark.parametrize("cell", ["10/11/21", "10/11/3107", "10/11/1021"])
def test_a_year_far_from_now_is_refused_as_a_be_ce_mix_up(cell):
    # "21" is BE 2521 (1978), 3107 is 2564 + 543 once too often, 1021 is 1564 - 543
    with pytest.raises(Invalid) as refused:
        values.when(cell)
    assert refused.value.code == "imports.implausible_year"
    assert cell in refused.value.detail
