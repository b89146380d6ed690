"""Thai numbers, dates, phone numbers and national IDs: thin wrappers that raise `Invalid`."""

import re
import sys
import unicodedata
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date as babel_format_date
from pythainlp.util import thai_digit_to_arabic_digit, thai_strftime
from pythainlp.util.date import thai_full_month_lists
from stdnum.exceptions import ValidationError
from stdnum.th import pin

from jitasa.core.errors import Invalid

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
MAX_NUMBER_LENGTH = 400
BE_YEAR_FROM = 2400  # a 4-digit year from here on is Buddhist Era; CE dates stay below it

BAD_NUMBER = "“{value}” is not a number; write digits such as 1,234 or 12.5."
BAD_DATE = (
    "“{value}” is not a valid date; write day/month/year, such as 15/11/2564 or 15 พ.ย. 2564."
)
BAD_PHONE = "This is not a valid Thai phone number; write it like 081 234 5678."
BAD_NATIONAL_ID = "This is not a valid national ID number: it has 13 digits and a check digit."

# Month names as pythainlp lists them (full, short, abbreviated), keyed without dots so that
# "พ.ย.", "พ.ย" and "พย" all match; the numeric entries of its lists are left out.
_MONTHS: dict[str, int] = {
    name.replace(".", ""): number
    for number, names in enumerate(thai_full_month_lists, start=1)
    for name in names
    if not name.isdigit()
}

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", re.ASCII)
_ERA = r"(?:(?P<era>พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)\s*)?"
_TIME = (
    r"(?:(?:\s*,\s*|\s+|T)(?:เวลา\s*)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})"
    r"(?:[:.](?P<second>\d{2}))?(?:\s*น\.?)?)?"
)
_DATE_FORMS = [
    re.compile(pattern + _TIME, re.ASCII)
    for pattern in (
        r"(?P<day>\d{1,2})\s*[/.-]\s*(?P<month>\d{1,2})\s*[/.-]\s*(?P<year>\d{4}|\d{2})",
        r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",
        r"(?P<day>\d{1,2})\s*[/-]?\s*(?P<month_name>[^\d\s/-]+?)\s*[/-]?\s*"
        + _ERA
        + r"(?P<year>\d{4}|\d{2})",
    )
]


# What Thai keyboards and copy-paste put into text that looks the same as plain text: Thai
# digits, invisible joiners and soft hyphens, odd spaces, full-width ASCII, and sara am typed
# as nikhahit + sara aa. web/static/js/thai-input.js applies the same table in the browser.
_INPUT_TABLE: dict[int, str | None] = {
    **{0x0E50 + digit: str(digit) for digit in range(10)},
    **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None),
    **{ord(space): " " for space in "\u00a0\u2007\u202f\u3000"},
    **{0xFF01 + offset: chr(0x21 + offset) for offset in range(0x5E)},
}
SARA_AM_TYPED = "\u0e4d\u0e32"


def normalize_input(text: str) -> str:
    """Return typed or pasted text in the one form Jitasa stores and compares (NFC, Arabic
    digits, no invisible characters, plain spaces, sara am as one letter)."""
    text = unicodedata.normalize("NFC", text).translate(_INPUT_TABLE)
    return text.replace(SARA_AM_TYPED, "\u0e33") if SARA_AM_TYPED in text else text


def _clip(text: str, length: int = 40) -> str:
    """Shorten user input for quoting it back in an error message."""
    return text if len(text) <= length else text[: length - 1] + "…"


def to_arabic_digits(text: str) -> str:
    """Replace Thai digits ๐–๙ with Arabic digits 0–9, leaving everything else as it is."""
    if not isinstance(text, str):
        raise Invalid("thai.bad_text", "Text is expected here.")
    return thai_digit_to_arabic_digit(text)


def parse_number(text: str) -> int | float:
    """Read a number written with Thai or Arabic digits and optional thousands commas."""
    cleaned = to_arabic_digits(text).strip()
    number: int | float | None = None
    # Python refuses int() of more than 4,300 digits, and a number past a float's range
    # (float() gives inf; an int of 309 digits or more) fits no column: all are junk.
    if _NUMBER.fullmatch(cleaned) and len(cleaned) <= MAX_NUMBER_LENGTH:
        cleaned = cleaned.replace(",", "")
        number = float(cleaned) if "." in cleaned else int(cleaned)
    if number is None or not abs(number) <= sys.float_info.max:  # compares ints exactly
        raise Invalid("thai.bad_number", BAD_NUMBER, {"value": _clip(text.strip())})
    return number


def _full_year(digits: str, era: str | None) -> int:
    """Turn a written year into a CE year: 2-digit and ≥ 2400 years are BE unless marked ค.ศ."""
    year = int(digits)
    if era and era.startswith("ค"):
        return year + 2000 if len(digits) == 2 else year
    if len(digits) == 2:
        year += 2500
    return year - BE_OFFSET if year >= BE_YEAR_FROM or era else year


def _parse(text: str) -> tuple[date, time]:
    """Read a date and an optional wall-clock time from spreadsheet text, or raise `Invalid`."""
    cleaned = " ".join(to_arabic_digits(text).split())
    for form in _DATE_FORMS:
        found = form.fullmatch(cleaned)
        if not found:
            continue
        parts = found.groupdict()
        if parts.get("month_name") is not None:
            month = _MONTHS.get(parts["month_name"].replace(".", ""))
            if month is None:
                continue
        else:
            month = int(parts["month"])
        try:
            day = date(_full_year(parts["year"], parts.get("era")), month, int(parts["day"]))
            clock = time(*(int(parts[unit] or 0) for unit in ("hour", "minute", "second")))
        except ValueError:
            continue
        return day, clock
    raise Invalid("thai.bad_date", BAD_DATE, {"value": _clip(text.strip())})


def parse_thai_date(text: str) -> date:
    """Read a date as Thai spreadsheets write it: BE or CE year, Thai digits, Thai month names."""
    return _parse(text)[0]


def parse_thai_datetime(text: str) -> datetime:
    """Read a Thai date and optional time as Asia/Bangkok wall-clock time; return aware UTC."""
    day, clock = _parse(text)
    try:
        return datetime.combine(day, clock, tzinfo=BANGKOK).astimezone(UTC)
    except OverflowError:  # 1 January of year 1 before 07:00 Bangkok is before year 1 in UTC
        raise Invalid("thai.bad_date", BAD_DATE, {"value": _clip(text.strip())}) from None


def format_thai_date(d: date, *, thai_digits: bool = False, full_month: bool = False) -> str:
    """Show a date the Thai way with the BE year, such as "25 พ.ย. 2569"; aware times in Bangkok."""
    if isinstance(d, datetime) and d.tzinfo is not None:
        d = d.astimezone(BANGKOK)
    return thai_strftime(d, "%-d %B %Y" if full_month else "%-d %b %Y", thaidigit=thai_digits)


def format_date(d: date, language: str, *, full_month: bool = False) -> str:
    """Show a date in Thai (BE year) for "th" and in English, such as "25 Nov 2026", otherwise;
    `full_month` names the month in full: "25 พฤศจิกายน 2569", "25 November 2026"."""
    if language == "th":
        return format_thai_date(d, full_month=full_month)
    if isinstance(d, datetime) and d.tzinfo is not None:
        d = d.astimezone(BANGKOK)
    return babel_format_date(d, "d MMMM y" if full_month else "d MMM y", locale="en")


def format_moment(moment: datetime, language: str) -> str:
    """Show an aware time as Asia/Bangkok wall-clock time: "25 พ.ย. 2569 14:05 น." (BE year)
    for "th", "25 Nov 2026 14:05" otherwise; for messages and pages, never an ISO string."""
    local = moment.astimezone(BANGKOK)
    clock = local.strftime("%H:%M")
    return f"{format_date(local, language)} {clock}" + (" น." if language == "th" else "")


# A Thai mobile written the usual way ("081-234-5678", "0812345678", "+66812345678") is read
# without `phonenumbers` (about 150 × faster, for imports of a million rows), against the same
# metadata's mobile pattern; anything else goes through `phonenumbers`.
_MOBILE = re.compile(
    phonenumbers.PhoneMetadata.metadata_for_region("TH").mobile.national_number_pattern
)
_PLAIN_PHONE = re.compile(r"(?:0|\+66)(\d{9})", re.ASCII)


def _parse_phone(text: str) -> phonenumbers.PhoneNumber:
    """Parse a Thai phone number, or raise `Invalid` for anything that is not one."""
    try:
        number = phonenumbers.parse(to_arabic_digits(text), "TH")
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "TH"
    ):
        raise Invalid("thai.bad_phone", BAD_PHONE)
    return number


def normalize_phone(text: str) -> str:
    """Return a Thai phone number in any usual form as E.164, such as "+66812345678"."""
    plain = _PLAIN_PHONE.fullmatch(text.strip().replace("-", "").replace(" ", ""))
    if plain and _MOBILE.fullmatch(plain[1]):
        return "+66" + plain[1]
    return phonenumbers.format_number(_parse_phone(text), phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Show a Thai phone number the national way, such as "081 234 5678"."""
    return phonenumbers.format_number(_parse_phone(e164), phonenumbers.PhoneNumberFormat.NATIONAL)


def is_valid_national_id(text: str) -> bool:
    """Tell whether text is a valid 13-digit Thai national ID; dashes and Thai digits allowed."""
    return isinstance(text, str) and pin.is_valid(to_arabic_digits(text))


def normalize_national_id(text: str) -> str:
    """Return a valid Thai national ID as its 13 digits, or raise `Invalid`."""
    digits = text.replace("-", "").replace(" ", "") if isinstance(text, str) else ""
    if (  # the usual shapes skip stdnum's slower clean-up; its check digit decides
        len(digits) == 13
        and digits.isascii()
        and digits.isdigit()
        and digits[0] not in "09"
        and digits[-1] == pin.calc_check_digit(digits)
    ):
        return digits
    try:
        return pin.validate(to_arabic_digits(text))
    except ValidationError:
        raise Invalid("thai.bad_national_id", BAD_NATIONAL_ID) from None


def mask_national_id(text: str) -> str:
    """Show a national ID with only its first five digits and its last one, "1-2345-xxxxx-xx-1"."""
    digits = normalize_national_id(text)
    return f"{digits[0]}-{digits[1:5]}-xxxxx-xx-{digits[12]}"
