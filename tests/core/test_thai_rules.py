"""The edges of Thai parsing: where a number, an era or a form stops, and what errors echo back.

Each test sits on one edge of a rule of `jitasa.core.thai` (a length limit, the year from which
a 4-digit year is Buddhist Era, a separator, a spacing), so that moving the edge fails it; and
every error is checked in English and Thai, with the user's text clipped when it is quoted.
"""

import sys
from datetime import UTC, date, datetime

import babel.dates
import pytest

from jitasa.core.errors import Invalid
from jitasa.core.i18n import _catalogue
from jitasa.core.thai import (
    format_date,
    format_phone,
    normalize_national_id,
    normalize_phone,
    parse_number,
    parse_thai_date,
    parse_thai_datetime,
)

THAI_LETTERS = range(0x0E01, 0x0E5C)


def raised_by(call, *args) -> Invalid:
    """Return the `Invalid` a call raises."""
    with pytest.raises(Invalid) as raised:
        call(*args)
    return raised.value


def test_a_number_of_400_characters_is_read_and_one_of_401_is_not():
    assert parse_number("1." + "0" * 398) == 1.0
    assert parse_number("๑." + "๐" * 398) == 1.0
    assert raised_by(parse_number, "1." + "0" * 399).code == "thai.bad_number"


@pytest.mark.parametrize("sign", ["", "-"])
def test_a_number_past_a_floats_range_is_junk_however_it_is_written(sign):
    assert parse_number(f"{sign}1" + "0" * 308) == int(f"{sign}1" + "0" * 308)  # 10^308
    assert parse_number(f"{sign}1" + "0" * 308 + ".0") == float(f"{sign}1e308")
    for junk in ("2" + "0" * 308, "2" + "0" * 308 + ".0", "9" * 400):  # 2 × 10^308 and more
        assert raised_by(parse_number, sign + junk).code == "thai.bad_number"
    largest = int(sys.float_info.max)  # the edge itself: the largest float is a number
    assert parse_number(f"{sign}{largest}") == int(f"{sign}{largest}")
    assert raised_by(parse_number, f"{sign}{largest + 1}").code == "thai.bad_number"


@pytest.mark.parametrize(
    ("text", "number"), [("+7", 7), ("-1,000", -1000), ("999,999.5", 999999.5), ("0.25", 0.25)]
)
def test_signs_commas_and_decimals_read_as_written(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["1234,567", "1,2345", "1,,234", ",123", "1.", ".5", "1.2.3"])
def test_a_misplaced_comma_or_point_is_not_a_number(text):
    assert raised_by(parse_number, text).code == "thai.bad_number"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("01/01/2400", date(1857, 1, 1)),  # 2400 is the first year read as Buddhist Era
        ("31/12/2399", date(2399, 12, 31)),  # and 2399 the last read as CE
        ("15 พ.ย. 2400", date(1857, 11, 15)),
        ("15 พ.ย. 2399", date(2399, 11, 15)),
        ("15 พ.ย. พ.ศ. 2399", date(1856, 11, 15)),  # a marked era wins
        ("15 พ.ย. ค.ศ. 2564", date(2564, 11, 15)),
        ("15 พ.ย. ค.ศ. 21", date(2021, 11, 15)),
        ("15 พ.ย. พศ 2564", date(2021, 11, 15)),  # eras without their dots
        ("15 พ.ย. คศ 2021", date(2021, 11, 15)),
        ("15พ.ย.2564", date(2021, 11, 15)),  # no spaces at all
        ("15-พ.ย.-2564", date(2021, 11, 15)),
        ("15 ม.ค. 2564", date(2021, 1, 15)),  # the first and last months
        ("15 ธ.ค. 2564", date(2021, 12, 15)),
        ("15 ธันวาคม 64", date(2021, 12, 15)),
        ("15 . 11 . 2564", date(2021, 11, 15)),
    ],
)
def test_the_era_and_the_form_of_a_date_read_as_thai_spreadsheets_mean_them(text, day):
    assert parse_thai_date(text) == day


@pytest.mark.parametrize(
    "text",
    [
        "15 1 2564",  # a month number is no month name
        "15 12 2564",
        "2564/11/15",  # only ISO dates put the year first, with dashes
        "15/11/2564 8:0",  # minutes have two digits
        "2021-08-01T08:0015",  # seconds need their separator
        "15/11/2564 08:00:1",
        "15 พ.ย. 564",
    ],
)
def test_a_form_just_outside_the_rules_is_not_a_date(text):
    assert raised_by(parse_thai_date, text).code == "thai.bad_date"


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("1/8/2564 เวลา 08:00", datetime(2021, 8, 1, 1, 0, tzinfo=UTC)),
        ("1/8/2564, 8.30 น", datetime(2021, 8, 1, 1, 30, tzinfo=UTC)),
        ("1/8/2564 23:59:59", datetime(2021, 8, 1, 16, 59, 59, tzinfo=UTC)),
        ("2021-08-01T00:00", datetime(2021, 7, 31, 17, 0, tzinfo=UTC)),
    ],
)
def test_times_are_bangkok_wall_clock_times_in_every_usual_form(text, moment):
    read = parse_thai_datetime(text)
    assert read == moment
    assert read.tzinfo is UTC  # UTC itself, not the server's own zone


def test_english_dates_stay_english_on_a_server_set_to_thai(monkeypatch):
    monkeypatch.setattr(babel.dates, "LC_TIME", "th_TH")  # the locale babel falls back to
    assert format_date(date(2026, 11, 25), "en") == "25 Nov 2026"


# What an error says back


def assert_in_both_languages(error: Invalid) -> None:
    """Check that the error reads in English and in Thai, from the catalogue, filled in."""
    assert error.message in _catalogue("th"), f"no Thai for {error.message!r}"
    assert error.status == 422
    for detail in (error.detail, error.detail_th):
        assert "{" not in detail and "}" not in detail  # every parameter filled in
    assert any(ord(letter) in THAI_LETTERS for letter in error.detail_th.replace("พ.ย.", ""))
    assert error.detail_th != error.detail


def test_a_value_that_is_not_text_is_refused_in_both_languages():
    error = raised_by(parse_number, 12)
    assert error.code == "thai.bad_text"
    assert_in_both_languages(error)


@pytest.mark.parametrize(
    ("call", "text", "code"),
    [
        (parse_number, "twelve", "thai.bad_number"),
        (parse_thai_date, "yesterday", "thai.bad_date"),
        (parse_thai_datetime, "31/02/2564 08:00", "thai.bad_date"),
        (parse_thai_datetime, "01/01/0001 00:00", "thai.bad_date"),
        (normalize_phone, "12345", "thai.bad_phone"),
        (format_phone, "+1 650 253 0000", "thai.bad_phone"),
        (normalize_national_id, "1101700230709", "thai.bad_national_id"),
    ],
)
def test_every_error_names_its_code_and_reads_in_thai(call, text, code):
    error = raised_by(call, text)
    assert error.code == code
    assert_in_both_languages(error)


@pytest.mark.parametrize("call", [parse_number, parse_thai_date, parse_thai_datetime])
def test_the_text_is_quoted_back_whole_up_to_40_characters(call):
    text = "x" * 40
    error = raised_by(call, f"  {text}  ")
    assert error.params == {"value": text}
    assert f"“{text}”" in error.detail and f"“{text}”" in error.detail_th


@pytest.mark.parametrize("call", [parse_number, parse_thai_date, parse_thai_datetime])
@pytest.mark.parametrize("length", [41, 100_000])
def test_longer_text_is_clipped_to_40_characters_before_it_is_quoted(call, length):
    text = "๑" + "x" * (length - 1)
    error = raised_by(call, text)
    assert error.params == {"value": text[:39] + "…"}
    assert len(error.detail) < 200 and len(error.detail_th) < 200


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("0101700230700", "first digit 0, check digit right"),
        ("9101700230703", "first digit 9, check digit right"),
        ("11017002307088", "a valid ID with its check digit typed twice (14 digits)"),
        ("1000000000051", "wrong check digit; the second digit is the right one (0)"),
        ("1000000000031", "wrong check digit; the twelfth digit is the right one (3)"),
    ],
)
def test_a_national_id_one_slip_from_a_valid_one_is_refused(text, why):
    # Each sits on one condition of the quick check for the usual shapes: it must refuse
    # exactly what stdnum refuses.
    assert raised_by(normalize_national_id, text).code == "thai.bad_national_id", why


def test_a_national_id_that_is_not_text_is_refused_in_both_languages():
    # A spreadsheet may hand over a 13-digit cell as a number: a clear error, never a crash.
    error = raised_by(normalize_national_id, 1101700230708)
    assert error.code == "thai.bad_text"
    assert_in_both_languages(error)
