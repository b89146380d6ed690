"""Matching a file's headers to a kind's fields by Thai and English synonyms, or by a mapping.

A header is compared in a loose form (case, spaces, dots, dashes, brackets and underscores
ignored, Thai digits read as Arabic), so "ละติจูด", "Latitude", "LAT." and "lat (องศา)" all find
`lat`. An explicit mapping (`--map "ชื่อหน่วย=name"`, the wizard's choices) wins over synonyms;
a mapping to "-" leaves the column out.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jitasa.core.errors import Invalid
from jitasa.core.thai import normalize_input

BAD_MAPPING = "“{value}” is not a mapping; write it as column=field, such as ชื่อหน่วย=name."
UNKNOWN_FIELD = "“{value}” is not a field of this import; use one of: {expected}."
UNKNOWN_COLUMN = "The file has no column “{value}”."
FIELD_TWICE = "“{value}” is chosen for two columns; choose it for one column only."
SKIP = "-"


@dataclass(frozen=True)
class Column:
    """One field of an import kind: its Thai and English headers, synonyms and an example."""

    field: str
    th: str
    en: str
    synonyms: tuple[str, ...] = ()
    example: object = ""
    required: bool = False


def loose(header: str) -> str:
    """Return a header in the form headers are compared in."""
    text = normalize_input(str(header)).lower()
    text = re.sub(r"\(.*?\)", "", text)  # "lat (องศา)" → "lat"
    return re.sub(r"[\s._\-/:*]+", "", text)


def synonyms_of(column: Column) -> set[str]:
    """Return every loose header that names this column."""
    return {loose(s) for s in (column.field, column.th, column.en, *column.synonyms)}


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """Read `column=field` pairs (several per item, separated by ";" or new lines)."""
    mapping: dict[str, str] = {}
    for item in items:
        for pair in re.split(r"[;\n]", item):
            if not pair.strip():
                continue
            column, equals, field = pair.rpartition("=")
            if not equals or not column.strip() or not field.strip():
                raise Invalid("imports.bad_mapping", BAD_MAPPING, {"value": pair.strip()[:80]})
            mapping[column.strip()] = field.strip()
    return mapping


def match(
    columns: Sequence[Column], headers: Sequence[str], mapping: Mapping[str, str] | None = None
) -> dict[int, str]:
    """Return {position of a header: field}; the mapping's columns first, then synonyms.

    A field is taken by the first header that names it. Raises `Invalid` for a mapping to a
    field the kind does not have or from a column the file does not have, or naming a field
    for two columns.
    """
    fields = {c.field for c in columns}
    found: dict[int, str] = {}
    by_header = {loose(h): i for i, h in reversed(list(enumerate(headers)))}
    for column, field in (mapping or {}).items():
        if field != SKIP and field not in fields:
            raise Invalid(
                "imports.unknown_field",
                UNKNOWN_FIELD,
                {"value": field[:40], "expected": ", ".join(sorted(fields))},
            )
        if field != SKIP and field in found.values():
            raise Invalid("imports.field_twice", FIELD_TWICE, {"value": field[:40]})
        position = by_header.get(loose(column))
        if position is None:
            raise Invalid("imports.unknown_column", UNKNOWN_COLUMN, {"value": column[:60]})
        found[position] = field
    taken = set(found.values())
    for position, header in enumerate(headers):
        if position in found:
            continue
        key = loose(header)
        for column in columns:
            if column.field not in taken and key and key in synonyms_of(column):
                found[position] = column.field
                taken.add(column.field)
                break
    return {p: f for p, f in found.items() if f != SKIP}


def score(columns: Sequence[Column], cells: Sequence[str]) -> int:
    """Count the cells of a row that name a field: the header row scores highest."""
    names = set().union(*(synonyms_of(c) for c in columns))
    return sum(1 for cell in cells if cell and loose(cell) in names)
