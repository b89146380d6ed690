"""Reading one spreadsheet cell the way Thai officials write it: numbers, dates, pins, yes/no.

Every reader raises `Invalid` with a message in English (a catalogue id, Thai in `th.po`) that
names the value; the caller adds the row and the column. Thai digits are accepted everywhere.
Dates, numbers and phones are the kernel's (`jitasa.core.thai`); this module adds coordinates
(decimals, one "lat, lon" cell, DMS such as 18°47'20.4"N, Google Maps links), swapped pins and
Thai yes/no words.
"""

import re
from datetime import UTC, date, datetime, time
from urllib.parse import unquote

from jitasa.core import geo, thai
from jitasa.core.errors import Invalid

BAD_COORDINATES = (
    "“{value}” is not a position; write decimals such as 18.7883, 98.9853, "
    "degrees such as 18°47'20.4\"N or paste a Google Maps link."
)
OUTSIDE_THAILAND = "The position {lat}, {lon} is outside Thailand."
SWAPPED = "Latitude and longitude were swapped ({lat}, {lon}); they were read the other way round."
BAD_YES_NO = "“{value}” is not yes or no; write มี/ไม่มี, ใช่/ไม่ใช่, yes/no or 1/0."
IMPLAUSIBLE_YEAR = (
    "“{value}” is the year {year} (BE {be_year}); check whether a BE (พ.ศ.) year was written "
    "as CE (ค.ศ.) or the other way round."
)
MIN_YEAR = 2000
NOT_WHOLE = "“{value}” is not a whole number."

YES = {"มี", "ใช่", "ได้", "เคย", "yes", "y", "true", "1", "x", "✓", "/", "มีรถ"}
NO = {"ไม่มี", "ไม่ใช่", "ไม่ได้", "ไม่เคย", "no", "n", "false", "0", "-", ""}

_NUMBER = r"[+-]?\d+(?:\.\d+)?"
_PAIR = re.compile(rf"\s*\(?\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*\)?\s*")
_DMS = re.compile(
    r"(\d+(?:\.\d+)?)\s*[°º˚d]\s*(?:(\d+(?:\.\d+)?)\s*['′’m]\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:\"|″|''|”|s)\s*)?([NSEWนตอ])?",
    re.IGNORECASE,
)
# Google Maps links: …/@18.78,98.98,15z, ?q=18.78,98.98, ll=…, !3d18.78!4d98.98, /place/18.78,98.98
_LINK_FORMS = (
    re.compile(rf"!3d({_NUMBER})!4d({_NUMBER})"),
    re.compile(rf"@({_NUMBER}),({_NUMBER})"),
    re.compile(rf"[?&](?:q|ll|query|destination|center)=(?:loc:)?({_NUMBER}),\s*({_NUMBER})"),
    re.compile(rf"/(?:place|search|dir)/({_NUMBER}),\s*\+?({_NUMBER})"),
)


def text_of(value: object) -> str:
    """Return a cell as stripped text in the stored form (NFC, Arabic digits); None is ""."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return thai.normalize_input(str(value)).strip()


def number(value: object) -> int | float:
    """Read a number cell: a spreadsheet number, or text with Thai digits and commas."""
    if isinstance(value, bool):
        raise Invalid("thai.bad_number", thai.BAD_NUMBER, {"value": str(value)})
    if isinstance(value, int | float):
        return value
    return thai.parse_number(text_of(value))


def whole_number(value: object) -> int:
    """Read a count: a number without a fraction (12.0 is 12)."""
    found = number(value)
    if isinstance(found, float):
        if not found.is_integer():
            raise Invalid("imports.not_whole", NOT_WHOLE, {"value": text_of(value)[:40]})
        found = int(found)
    return found


def yes_no(value: object) -> bool:
    """Read มี/ไม่มี, ใช่/ไม่ใช่, yes/no, true/false, 1/0 (an empty cell is no)."""
    if isinstance(value, bool):
        return value
    word = text_of(value).lower().rstrip(".")
    if word in YES:
        return True
    if word in NO:
        return False
    raise Invalid("imports.bad_yes_no", BAD_YES_NO, {"value": word[:40]})


def when(value: object) -> datetime:
    """Read a date or date-time cell (a spreadsheet date, or Thai text: BE or CE) as aware UTC.

    A spreadsheet date with a BE year (2564 typed into a date cell) is read as BE too. A year
    outside 2000 to five years from now is refused as a likely BE/CE mix-up (a 2-digit year is
    BE: "64" is 2564, that is 2021).
    """
    found = _when(value)
    if not MIN_YEAR <= found.year <= datetime.now(UTC).year + 5:
        raise Invalid(
            "imports.implausible_year",
            IMPLAUSIBLE_YEAR,
            {"value": text_of(value)[:40], "year": found.year, "be_year": found.year + 543},
        )
    return found


def _when(value: object) -> datetime:
    if isinstance(value, datetime):
        if value.year >= thai.BE_YEAR_FROM:
            value = value.replace(year=value.year - thai.BE_OFFSET)
        aware = value if value.tzinfo else value.replace(tzinfo=thai.BANGKOK)
        return aware.astimezone(UTC)
    if isinstance(value, date):
        return _when(datetime.combine(value, time()))
    return thai.parse_thai_datetime(text_of(value))


def _dms(text: str) -> float | None:
    """Read one DMS angle such as 18°47'20.4"N (or 18 47 20.4 N is not accepted); None if not."""
    found = _DMS.fullmatch(text.strip())
    if not found:
        return None
    degrees, minutes, seconds, hemisphere = found.groups()
    angle = float(degrees) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    return -angle if hemisphere and hemisphere.upper() in {"S", "W"} else angle


def _bad(value: str) -> Invalid:
    return Invalid("imports.bad_coordinates", BAD_COORDINATES, {"value": value[:60]})


def coordinate(value: object) -> float:
    """Read one latitude or longitude: a decimal (Thai digits allowed) or a DMS angle."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = text_of(value)
    try:
        return float(thai.parse_number(text))
    except Invalid:
        angle = _dms(text)
        if angle is None:
            raise _bad(text) from None
        return angle


def pair(value: object) -> tuple[float, float]:
    """Read a whole position from one cell: "lat, lon", two DMS angles, or a Google Maps link."""
    text = text_of(value)
    if "://" in text or "maps" in text.lower():
        link = unquote(text)
        for form in _LINK_FORMS:
            found = form.search(link)
            if found:
                return float(found.group(1)), float(found.group(2))
        raise _bad(text)
    found = _PAIR.fullmatch(text)
    if found:
        return float(found.group(1)), float(found.group(2))
    parts = re.split(r"\s*[,;]\s*|(?<=[NSEWnsew])\s+", text)
    if len(parts) == 2:
        angles = [_dms(part) for part in parts]
        if None not in angles:
            return angles[0], angles[1]
    raise _bad(text)


def position(lat: float, lon: float) -> tuple[float, float, bool]:
    """Check a pin is in Thailand; return (lat, lon, swapped), turning a swapped pair round."""
    if geo.in_thailand_box(lat, lon):
        return lat, lon, False
    if geo.in_thailand_box(lon, lat):
        return lon, lat, True
    raise Invalid(
        "imports.outside_thailand", OUTSIDE_THAILAND, {"lat": round(lat, 5), "lon": round(lon, 5)}
    )
