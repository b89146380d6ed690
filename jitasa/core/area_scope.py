"""Reading the rows of an area by their area code: codes nest by prefix (50 ⊃ 5001 ⊃ 500101)."""

from sqlalchemy import ColumnElement

from jitasa.core.words import CODE_LENGTHS

LONGEST_CODE = max(CODE_LENGTHS)  # a village: 8 digits


def inside(column: ColumnElement[str], code: str) -> ColumnElement[bool]:
    """Return the condition "this area-code column lies in the area `code`" (itself or any area
    it holds), as a range an index on the column can seek.

    A DOPA code is ASCII digits, so the codes starting with "50" are exactly those from "50" to
    "50999999". Unlike `LIKE '50%'`, which PostgreSQL seeks only under the C collation and never
    in a generic plan of a prepared statement, a range is sought on both databases under any
    collation (digits sort as digits in all of them). A code that is not all ASCII digits is
    matched as a prefix, with its `%` and `_` taken literally.
    """
    if code.isascii() and code.isdigit() and len(code) <= LONGEST_CODE:
        return column.between(code, code.ljust(LONGEST_CODE, "9"))
    return column.startswith(code, autoescape=True)
