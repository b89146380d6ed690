"""What an import says back about a cell it cannot read, and the edges of each cell rule.

Every refusal names its catalogue code, quotes the cell (clipped, so a huge cell is never
echoed back whole) and reads in English and in Thai; each rule is pinned at the edge a slip
would move (the last plausible year, a yes/no word with a full stop, a cell typed as a
spreadsheet number or date).
"""

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from jitasa.core.errors import Invalid
from jitasa.imports import values
from tests.core.test_thai_rules import assert_in_both_languages, raised_by


@pytest.mark.parametrize(
    ("call", "cell", "code", "params"),
    [
        (values.number, True, "thai.bad_number", {"value": "True"}),
        (values.number, "ten", "thai.bad_number", {"value": "ten"}),
        (values.whole_number, "12.5", "imports.not_whole", {"value": "12.5"}),
        (values.whole_number, 2.5, "imports.not_whole", {"value": "2.5"}),
        (values.yes_no, "Sometimes", "imports.bad_yes_no", {"value": "sometimes"}),
        (values.when, "10/11/21", "imports.implausible_year", {"value": "10/11/21"}),
        (values.coordinate, "market", "imports.bad_coordinates", {"value": "market"}),
        (values.coordinate, True, "imports.bad_coordinates", {"value": "True"}),
        (values.pair, "18.7", "imports.bad_coordinates", {"value": "18.7"}),
        (
            values.pair,
            "https://maps.app/x",
            "imports.bad_coordinates",
            {"value": "https://maps.app/x"},
        ),
    ],
)
def test_every_refused_cell_names_its_code_and_the_cell_in_both_languages(call, cell, code, params):
    error = raised_by(call, cell)
    assert error.code == code
    assert {k: error.params[k] for k in params} == params
    assert f"“{params['value']}”" in error.detail
    assert f"“{params['value']}”" in error.detail_th
    assert_in_both_languages(error)


def test_an_implausible_year_is_told_in_both_eras():
    error = raised_by(values.when, "10/11/21")  # "21" is BE 2521, that is 1978
    assert (error.params["year"], error.params["be_year"]) == (1978, 2521)
    assert "1978" in error.detail and "2521" in error.detail


def test_a_pin_outside_thailand_is_named_to_five_decimals_in_both_languages():
    error = raised_by(values.position, 51.5000049, -0.1200051)  # London
    assert error.code == "imports.outside_thailand"
    assert error.params == {"lat": 51.5, "lon": -0.12001}
    assert "51.5, -0.12001" in error.detail
    assert_in_both_languages(error)


@pytest.mark.parametrize(
    ("call", "cell", "kept"),
    [
        (values.whole_number, "1." + "5" * 300, 40),
        (values.yes_no, "x" * 5000, 40),
        (values.when, "10" + " " * 50 + "/11/2521", 40),
        (values.coordinate, "x" * 5000, 60),
        (values.pair, "x" * 5000, 60),
        (values.pair, "https://maps.example/" + "x" * 5000, 60),
    ],
)
def test_a_huge_cell_is_clipped_before_it_is_quoted(call, cell, kept):
    error = raised_by(call, cell)
    assert error.params["value"] == cell[:kept]
    assert len(error.detail) < 300 and len(error.detail_th) < 300


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("YES.", True),
        (" ใช่ ", True),
        ("No.", False),
        (None, False),
        ("", False),
        (True, True),
        (False, False),
        (1.0, True),
        (0, False),
        ("✓", True),  # a tick mark typed into a checklist column
        ("x", True),
    ],
)
def test_yes_and_no_are_read_whatever_their_case_stop_or_cell_type(cell, expected):
    assert values.yes_no(cell) is expected


@pytest.mark.parametrize(
    ("cell", "expected"), [(12, 12), (12.0, 12), ("๑๒", 12), ("-3", -3), (" 1,200 ", 1200)]
)
def test_a_count_is_read_from_numbers_and_text(cell, expected):
    found = values.whole_number(cell)
    assert found == expected and type(found) is int


def test_a_spreadsheet_number_is_kept_as_it_is():
    assert values.number(18.5) == 18.5 and values.number(7) == 7
    assert values.number(" ๑๘.๕ ") == 18.5


@pytest.mark.parametrize(
    ("cell", "expected"),
    [(None, ""), (12.0, "12"), (12.5, "12.5"), ("  ๑๒ ", "12"), (7, "7")],
)
def test_a_cell_is_read_as_stripped_text_with_arabic_digits(cell, expected):
    assert values.text_of(cell) == expected


def test_the_years_from_2000_to_five_years_from_now_are_plausible():
    this_year = datetime.now(UTC).year
    assert values.when(f"1/6/{2000 + 543}").year == 2000
    assert raised_by(values.when, f"1/6/{1999 + 543}").params["year"] == 1999
    assert values.when(f"1/6/{this_year + 5}").year == this_year + 5
    assert raised_by(values.when, f"1/6/{this_year + 6}").params["year"] == this_year + 6


def test_spreadsheet_dates_are_bangkok_wall_clock_times_read_as_utc():
    assert values.when(date(2021, 11, 10)) == datetime(2021, 11, 9, 17, 0, tzinfo=UTC)
    assert values.when(datetime(2021, 11, 10, 8, 0)) == datetime(2021, 11, 10, 1, 0, tzinfo=UTC)
    aware = datetime(2021, 11, 10, 8, 0, tzinfo=UTC)
    assert values.when(aware) == aware
    # A date cell from the first BE year on is read as BE (2400 is 1857), before it as CE.
    assert raised_by(values.when, datetime(2400, 1, 1, 7, 0)).params["year"] == 1857
    assert raised_by(values.when, datetime(2399, 1, 1, 7, 0)).params["year"] == 2399


@pytest.fixture
def server_in_bangkok(monkeypatch):
    """Run on a server whose local time zone is Bangkok's, not UTC."""
    monkeypatch.setenv("TZ", "Asia/Bangkok")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_in_bangkok")
def test_dates_are_given_in_utc_whatever_the_servers_time_zone():
    for cell in (datetime(2021, 11, 10, 8, 0), date(2021, 11, 10), "10/11/2564 08:00"):
        assert values.when(cell).utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("18°30'N", 18.5),
        ("18°30'S", -18.5),
        ("98°45′W", -98.75),
        ("18d30m36s", 18.51),
        ("18°0'36\"", 18.01),
        ("18.5°", 18.5),
        ("18°30’36”N", 18.51),  # the curly quotes a word processor puts in
        ("18°30’36″N", 18.51),
    ],
)
def test_dms_minutes_and_seconds_are_sixtieths_and_south_and_west_are_negative(cell, expected):
    assert values.coordinate(cell) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("18°30'N, 98°45'E", (18.5, 98.75)),
        ("18°30'N; 98°45'E", (18.5, 98.75)),
        ("18.5;98.75", (18.5, 98.75)),
        ("18.5 98.75", (18.5, 98.75)),
        ("https://www.google.com/maps?ll=18.5,98.75", (18.5, 98.75)),
        ("https://www.google.com/maps/search/18.5,+98.75", (18.5, 98.75)),
        ("https://www.google.com/maps/dir/18.5,98.75", (18.5, 98.75)),
        ("https%3A//www.google.com/maps/%4018.5,98.75,15z", (18.5, 98.75)),
        ("Google Maps @18.5,98.75", (18.5, 98.75)),
        ("https://www.google.co.th/search?q=18.5,98.75", (18.5, 98.75)),
        ("18°30'n 98°45'e", (18.5, 98.75)),
        ("https://www.google.com/maps/place/18.5,98.75", (18.5, 98.75)),
    ],
)
def test_a_whole_position_is_read_from_every_usual_form(cell, expected):
    assert values.pair(cell) == pytest.approx(expected)


@pytest.mark.parametrize("cell", ["18°30'N 98°45'E 5", "18°30'N, east", "1, 2, 3"])
def test_a_cell_with_more_or_less_than_two_angles_is_not_a_position(cell):
    assert raised_by(values.pair, cell).code == "imports.bad_coordinates"


def test_a_pin_on_thailands_edge_is_in_it_and_a_swapped_one_is_turned_round():
    assert values.position(5.6, 97.3) == (5.6, 97.3, False)
    assert values.position(97.3, 5.6) == (5.6, 97.3, True)
    with pytest.raises(Invalid):
        values.position(5.5, 97.3)
