"""Which text encoding a file is in, for the readers: by its byte-order mark, else by its bytes.

CSV files come as UTF-8 (with or without a BOM), Thai TIS-620/CP874, or UTF-16 with a BOM as
Excel's "Unicode text" saves them (tab-separated); GeoJSON is UTF-8 (a marked UTF-16 is read
too); KML is read by its BOM, else its XML declaration (TIS-620 included), else as UTF-8. Text
that is not what it was read as is refused naming the encoding and how to save it as UTF-8.
"""

import codecs
import re

import charset_normalizer

from jitasa.core.errors import Invalid

BAD_ENCODING = "The text encoding of the file could not be read; save it as UTF-8 CSV."
WRONG_ENCODING = (
    "The file is not valid {encoding} text; save it again as UTF-8 "
    "(in Excel: Save As → “CSV UTF-8 (Comma delimited)”)."
)
UNKNOWN_ENCODING = (
    "The file says its text is in “{value}”, an encoding that cannot be read; save it again "
    "as UTF-8."
)
UTF16_WITHOUT_BOM = (
    "The file looks like UTF-16 text without its byte-order mark, so its byte order is unknown; "
    "save it again as UTF-8 (in Excel: Save As → “CSV UTF-8 (Comma delimited)”)."
)
ALIASES = {"windows-874": "cp874", "x-windows-874": "cp874"}  # names Python's codecs lack
# Byte-order marks, longest first (UTF-32's starts like UTF-16's): the encoding each names.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(sample: bytes) -> str | None:
    """Name the encoding a byte-order mark at the start says (utf-8-sig, utf-16, utf-32)."""
    return next((encoding for bom, encoding in BOMS if sample.startswith(bom)), None)


def wrong_encoding(encoding: str) -> Invalid:
    """Refuse text that is not valid in the encoding it was read as, naming the encoding."""
    name = {"utf-8-sig": "UTF-8", "cp874": "TIS-620/CP874"}.get(encoding, encoding.upper())
    return Invalid("imports.wrong_encoding", WRONG_ENCODING, {"encoding": name})


def _looks_utf16(sample: bytes) -> bool:
    """Tell UTF-16 text without a BOM: NUL bytes in most even or most odd places."""
    pairs = len(sample) // 2
    if pairs < 2:
        return False
    even = sample[0 : 2 * pairs : 2].count(0)
    odd = sample[1 : 2 * pairs : 2].count(0)
    return max(even, odd) > 0.3 * pairs and min(even, odd) < 0.05 * pairs


def detect_encoding(sample: bytes) -> str:
    """Name the encoding of a CSV from its first bytes: a byte-order mark's (UTF-8, UTF-16 as
    Excel's "Unicode text" saves, UTF-32), else UTF-8 or Thai CP874.

    TIS-620 is read as CP874, its superset; charset-normalizer decides anything else. UTF-16
    without a BOM is refused naming it (its byte order is a guess).
    """
    marked = bom_encoding(sample)
    if marked:
        return marked
    if _looks_utf16(sample):
        raise Invalid("imports.utf16_without_bom", UTF16_WITHOUT_BOM)
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 3:  # a character cut at the end of the sample
            return "utf-8"
    best = charset_normalizer.from_bytes(sample).best()
    guess = (best.encoding if best else "").lower().replace("-", "_")
    if guess in {"cp874", "tis_620", "iso8859_11"} or _thai_share(sample, "cp874") > 0.3:
        return "cp874"
    if best is None:
        raise Invalid("imports.bad_encoding", BAD_ENCODING)
    return best.encoding


def _thai_share(sample: bytes, encoding: str) -> float:
    text = sample.decode(encoding, errors="replace")
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if "\u0e00" <= c <= "\u0e7f") / max(len(letters), 1)


_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


def xml_text(data: bytes) -> str:
    """Decode XML by its byte-order mark, else its declared encoding (TIS-620 and
    windows-874 too, which the XML parser does not know), else UTF-8; refuse naming it."""
    encoding = bom_encoding(data)
    if encoding is None:
        declared = _XML_ENCODING.match(data.lstrip())
        encoding = declared.group(1).decode().lower() if declared else "utf-8"
        encoding = ALIASES.get(encoding, encoding)
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise Invalid(
                "imports.unknown_encoding", UNKNOWN_ENCODING, {"value": encoding[:40]}
            ) from None
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        raise wrong_encoding(encoding) from None
