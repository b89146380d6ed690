"""A file's headers found by Thai and English names however they are typed, or by a mapping."""

import pytest

from jitasa.imports import columns
from jitasa.imports.facility_kinds import Facilities
from tests.core.test_thai_rules import assert_in_both_languages, raised_by

KIND = Facilities.columns


@pytest.mark.parametrize(
    "header", ["ละติจูด", "Latitude", "LAT.", "lat (องศา)", " l_a-t ", "la/t:", "*lat*"]
)
def test_a_header_is_found_whatever_its_case_spaces_dots_dashes_or_brackets(header):
    assert columns.match(KIND, ["ชื่อ", header]) == {0: "name_th", 1: "lat"}


def test_thai_digits_in_a_header_read_as_arabic():
    assert columns.loose("เตียง ๑") == columns.loose("เตียง1") == "เตียง1"
    assert columns.loose("ชื่อ (ไทย) หรือ Name (EN)") == "ชื่อหรือname"  # each bracket on its own


def test_the_first_header_naming_a_field_takes_it_and_a_later_one_is_left_out():
    assert columns.match(KIND, ["lat", "ละติจูด", "lon"]) == {0: "lat", 2: "lon"}


def test_a_blank_header_names_nothing():
    assert columns.match(KIND, ["", "  ", "lat"]) == {2: "lat"}


def test_a_mapping_wins_over_synonyms_and_a_dash_leaves_a_column_out():
    headers = ["ชื่อหน่วย", "ชื่อ", "y", "lon"]
    mapping = {"ชื่อหน่วย": "name_th", "ชื่อ": "-", "Y": "lat"}
    assert columns.match(KIND, headers, mapping) == {0: "name_th", 2: "lat", 3: "lon"}


def test_a_mapping_to_an_unknown_field_or_from_a_missing_column_is_refused_by_name():
    error = raised_by(columns.match, KIND, ["ชื่อ"], {"ชื่อ": "colour" * 20})
    assert error.code == "imports.unknown_field"
    assert error.params["value"] == ("colour" * 20)[:40]
    assert error.params["expected"].startswith("address, as_of, beds_green_available")
    assert_in_both_languages(error)
    error = raised_by(columns.match, KIND, ["ชื่อ"], {"x" * 100: "lat"})
    assert (error.code, error.params) == ("imports.unknown_column", {"value": "x" * 60})
    assert_in_both_languages(error)


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["ชื่อหน่วย=name_th"], {"ชื่อหน่วย": "name_th"}),
        (
            [" a = lat ; b=lon\nc=-", "d=x=phone"],
            {"a": "lat", "b": "lon", "c": "-", "d=x": "phone"},
        ),
        (["a=lat;;b=lon;", ""], {"a": "lat", "b": "lon"}),
    ],
)
def test_a_mapping_is_read_from_pairs_separated_by_semicolons_or_lines(items, expected):
    assert columns.parse_mapping(items) == expected


@pytest.mark.parametrize("pair", ["name_th", "=name_th", "ชื่อ=", " = "])
def test_a_pair_without_a_column_or_a_field_is_refused_naming_it(pair):
    error = raised_by(columns.parse_mapping, [pair])
    assert (error.code, error.params) == ("imports.bad_mapping", {"value": pair.strip()})
    assert_in_both_languages(error)


def test_a_huge_bad_mapping_is_clipped_before_it_is_quoted():
    error = raised_by(columns.parse_mapping, ["x" * 5000])
    assert error.params == {"value": "x" * 80}


def test_the_header_row_scores_the_cells_that_name_a_field():
    assert columns.score(KIND, ["ชื่อ", "Latitude", "", "notes", "LON"]) == 3
    assert columns.score(KIND, ["Hospital Nakornping", "18.84", "98.97"]) == 0
