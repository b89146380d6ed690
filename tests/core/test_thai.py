"""Thai numbers, dates, phones and national IDs, read the ways thai.md says people write them."""

import contextlib
from datetime import UTC, date, datetime

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pythainlp.util import arabic_digit_to_thai_digit
from stdnum.th import pin

from jitasa.core.errors import Invalid
from jitasa.core.i18n import thai
from jitasa.core.thai import (
    format_date,
    format_moment,
    format_phone,
    format_thai_date,
    is_valid_national_id,
    mask_national_id,
    normalize_national_id,
    normalize_phone,
    parse_number,
    parse_thai_date,
    parse_thai_datetime,
    to_arabic_digits,
)

PARSERS = [
    parse_number,
    parse_thai_date,
    parse_thai_datetime,
    normalize_phone,
    format_phone,
    normalize_national_id,
    mask_national_id,
]
VALID_ID = "1101700230708"
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def national_ids() -> st.SearchStrategy[str]:
    """Generate valid national IDs: a first digit 1–8, eleven digits, then the check digit."""
    body = st.tuples(st.sampled_from("12345678"), st.text("0123456789", min_size=11, max_size=11))
    return body.map(lambda parts: parts[0] + parts[1]).map(lambda b: b + pin.calc_check_digit(b))


def thai_mobiles() -> st.SearchStrategy[str]:
    """Generate E.164 Thai mobile numbers: +66 then 8 or 9 and eight more digits."""
    return st.tuples(st.sampled_from("89"), st.integers(0, 10**8 - 1)).map(
        lambda parts: f"+66{parts[0]}{parts[1]:08d}"
    )


def assert_invalid(code: str, call, *args) -> None:
    """Check that a call raises `Invalid` with the code, and that its message has Thai."""
    with pytest.raises(Invalid) as raised:
        call(*args)
    assert raised.value.code == code
    assert raised.value.status == 422
    assert thai(raised.value.message) != raised.value.message, "missing from th.po"


# Numbers


def test_thai_digits_become_arabic_digits_and_the_rest_stays():
    assert to_arabic_digits("เป็นจำนวน ๑๒๓,๔๐๐.๒๕ บาท") == "เป็นจำนวน 123,400.25 บาท"


@pytest.mark.parametrize(
    ("text", "number"),
    [("๑,๒๓๔", 1234), (" 12.5 ", 12.5), ("๑๒.๕", 12.5), ("1,234,567", 1234567), ("-3", -3)],
)
def test_numbers_are_read_with_thai_or_arabic_digits(text, number):
    assert parse_number(text) == number
    assert type(parse_number(text)) is type(number)


@pytest.mark.parametrize(
    "text",
    ["", "  ", "abc", "1,23", "12.", "1e5", "nan", "inf", "๑๒ บาท", "1" * 5000, "9" * 320 + ".5"],
)
def test_anything_but_a_number_is_invalid(text):
    assert_invalid("thai.bad_number", parse_number, text)


def test_a_non_text_value_is_invalid_not_a_type_error():
    with pytest.raises(Invalid):
        parse_number(12)  # type: ignore[arg-type]


@given(st.integers(min_value=0))
def test_any_whole_number_in_thai_digits_reads_back(n):
    assert parse_number(arabic_digit_to_thai_digit(str(n))) == n


# Dates


@pytest.mark.parametrize(
    "text",
    [
        "15/11/2564",
        "15/11/64",
        "15-11-2564",
        "15.11.2564",
        "2564-11-15",
        "2021-11-15",
        "15/11/2021",
        "15 พ.ย. 2564",
        "15 พ.ย.2564",
        "15 พย 2564",
        "15 พฤศจิกายน 2564",
        "15 พฤศจิกา 2564",
        "15 พ.ย. 64",
        "15 พ.ย. พ.ศ. 2564",
        "15 พ.ย. ค.ศ. 2021",
        "๑๕/๑๑/๒๕๖๔",
        "๑๕ พ.ย. ๒๕๖๔",
        " 15/11/2564 ",
    ],
)
def test_every_spreadsheet_form_of_a_date_reads_the_same(text):
    assert parse_thai_date(text) == date(2021, 11, 15)


def test_a_two_digit_year_is_buddhist_era():
    assert parse_thai_date("15/11/21") == date(1978, 11, 15)  # 2521 BE


def test_a_time_after_the_date_is_read_as_bangkok_time():
    assert parse_thai_date("01/08/2564 08:00") == date(2021, 8, 1)
    assert parse_thai_datetime("01/08/2564 08:00") == datetime(2021, 8, 1, 1, 0, tzinfo=UTC)
    assert parse_thai_datetime("1 ส.ค. 64 8.30 น.") == datetime(2021, 8, 1, 1, 30, tzinfo=UTC)
    assert parse_thai_datetime("2021-08-01T08:00:15") == datetime(2021, 8, 1, 1, 0, 15, tzinfo=UTC)


def test_a_date_without_time_is_bangkok_midnight():
    assert parse_thai_datetime("15/11/2564") == datetime(2021, 11, 14, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "garbage",
        "31/02/2564",
        "32/01/2564",
        "15/13/2564",
        "15 ฝน 2564",
        "15/11",
        "15/11/256",
        "01/08/2564 25:00",
    ],
)
def test_an_impossible_date_is_invalid(text):
    assert_invalid("thai.bad_date", parse_thai_date, text)


def test_a_time_before_year_one_in_utc_is_invalid_not_an_overflow():
    assert parse_thai_date("01/01/0001 00:00") == date(1, 1, 1)
    assert_invalid("thai.bad_date", parse_thai_datetime, "01/01/0001 00:00")


def test_thai_dates_show_the_buddhist_era_year():
    assert format_thai_date(date(2026, 11, 25)) == "25 พ.ย. 2569"
    assert format_thai_date(date(2026, 11, 5), full_month=True) == "5 พฤศจิกายน 2569"
    assert format_thai_date(date(2026, 11, 25), thai_digits=True) == "๒๕ พ.ย. ๒๕๖๙"


def test_an_aware_time_shows_its_bangkok_date():
    late_utc = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert format_thai_date(late_utc) == "25 พ.ย. 2569"
    assert format_date(late_utc, "en") == "25 Nov 2026"


def test_a_moment_shows_as_bangkok_wall_clock_time_in_the_reader_s_language():
    late_utc = datetime(2026, 11, 24, 20, 5, tzinfo=UTC)
    assert format_moment(late_utc, "th") == "25 พ.ย. 2569 03:05 น."
    assert format_moment(late_utc, "en") == "25 Nov 2026 03:05"


def test_dates_show_in_the_reader_s_language():
    assert format_date(date(2026, 11, 25), "th") == "25 พ.ย. 2569"
    assert format_date(date(2026, 11, 25), "en") == "25 Nov 2026"


@given(dates, st.booleans(), st.booleans())
def test_any_formatted_thai_date_reads_back(d, thai_digits, full_month):
    shown = format_thai_date(d, thai_digits=thai_digits, full_month=full_month)
    assert parse_thai_date(shown) == d


@given(dates)
def test_any_slash_date_with_a_buddhist_year_reads_back(d):
    assert parse_thai_date(d.strftime("%d/%m/") + str(d.year + 543)) == d


@given(dates)
def test_any_iso_date_reads_back(d):
    assert parse_thai_date(d.isoformat()) == d


# Phone numbers


@pytest.mark.parametrize(
    "text",
    ["0812345678", "081-234-5678", "+66 81 234 5678", "081 234 5678", "๐๘๑๒๓๔๕๖๗๘", "+66812345678"],
)
def test_every_usual_form_of_a_mobile_number_is_the_same_number(text):
    assert normalize_phone(text) == "+66812345678"


def test_a_bangkok_landline_is_a_phone_number():
    assert normalize_phone("02-123-4567") == "+6621234567"
    assert format_phone("+6621234567") == "02 123 4567"


def test_a_phone_number_shows_the_thai_way():
    assert format_phone("+66812345678") == "081 234 5678"


@pytest.mark.parametrize(
    "text", ["", "hello", "12345", "1669", "+1 650 253 0000", "+44 20 7946 0958", "08123456789012"]
)
def test_a_number_that_is_not_a_thai_phone_is_invalid(text):
    assert_invalid("thai.bad_phone", normalize_phone, text)


@given(thai_mobiles())
def test_any_thai_mobile_number_survives_display_and_back(e164):
    assert normalize_phone(format_phone(e164)) == e164
    assert normalize_phone(arabic_digit_to_thai_digit(format_phone(e164))) == e164


@given(
    st.sampled_from(["0", "+66", "+66 "]),
    st.from_regex(r"\A\d{9}\Z"),
    st.sampled_from(["{0}{1}{2}", "{0}-{1}-{2}", "{0} {1} {2}"]),
)
def test_the_quick_reading_of_a_mobile_agrees_with_phonenumbers(prefix, digits, shape):
    text = prefix + shape.format(digits[:2], digits[2:5], digits[5:])
    try:
        expected = phonenumbers.parse(text, "TH")
        valid = phonenumbers.is_valid_number(expected)
    except phonenumbers.NumberParseException:
        valid = False
    if valid:
        e164 = phonenumbers.format_number(expected, phonenumbers.PhoneNumberFormat.E164)
        assert normalize_phone(text) == e164
    else:
        assert_invalid("thai.bad_phone", normalize_phone, text)


# National ID


@given(
    st.from_regex(r"\A\d{13}\Z"),
    st.sampled_from(["{0}{1}{2}{3}{4}", "{0}-{1}-{2}-{3}-{4}", "{0} {1} {2} {3} {4}"]),
)
def test_the_quick_reading_of_a_national_id_agrees_with_stdnum(digits, shape):
    text = shape.format(digits[0], digits[1:5], digits[5:10], digits[10:12], digits[12])
    if pin.is_valid(digits):
        assert normalize_national_id(text) == pin.validate(text)
    else:
        assert_invalid("thai.bad_national_id", normalize_national_id, text)


@pytest.mark.parametrize(
    "text", ["1101700230708", "1-1017-00230-70-8", "1 1017 00230 70 8", "๑๑๐๑๗๐๐๒๓๐๗๐๘"]
)
def test_a_national_id_is_read_with_separators_or_thai_digits(text):
    assert is_valid_national_id(text)
    assert normalize_national_id(text) == VALID_ID


@pytest.mark.parametrize(
    "text",
    ["1101700230709", "110170023070", "11017002307080", "9101700230705", "x101700230708", ""],
)
def test_a_wrong_national_id_is_invalid(text):
    assert not is_valid_national_id(text)
    assert_invalid("thai.bad_national_id", normalize_national_id, text)


def test_a_national_id_is_masked_as_product_p6_shows():
    assert mask_national_id("1-1017-00230-70-8") == "1-1017-xxxxx-xx-8"


def test_the_bad_id_error_does_not_repeat_the_id():
    with pytest.raises(Invalid) as raised:
        normalize_national_id("1101700230709")
    assert "1101700230709" not in raised.value.detail + raised.value.detail_th
    assert raised.value.params == {}


@given(national_ids())
def test_a_mask_never_reveals_the_middle_digits(national_id):
    masked = mask_national_id(national_id)
    assert masked == f"{national_id[0]}-{national_id[1:5]}-xxxxx-xx-{national_id[12]}"
    assert national_id[5:12] not in masked.replace("-", "")
    assert is_valid_national_id(national_id)


# Any text at all


@pytest.mark.parametrize("parse", PARSERS)
@given(text=st.text() | st.text(alphabet="0123456789๐๑๒๓๔๕๖๗๘๙/-.:+ ,พยศคT"))
def test_a_parser_returns_a_value_or_raises_invalid_for_any_text(parse, text):
    with contextlib.suppress(Invalid):
        parse(text)
