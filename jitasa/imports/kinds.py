"""What every import kind shares: its columns, how a row becomes a checked value, the registry.

A kind (facilities, facility capacity, volunteers, requests) says which columns it knows
(`Column`, with Thai and English synonyms), how one row of cells becomes the input its domain's
API schema takes (`check`, raising `RowError` naming the column), and how a batch of checked rows
is written (`write`, in the caller's transaction, returning what became of each row). Kinds are
registered by name with `register`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.errors import DomainError, FieldError, Invalid
from jitasa.core.i18n import thai
from jitasa.core.validation import field_errors
from jitasa.imports.columns import Column
from jitasa.imports.values import text_of

UNKNOWN_KIND = "“{value}” is not a kind of import; use one of: {expected}."
OUT_OF_AREA = "This row is outside your area ({scope}); an official of its area imports it."
MISSING_COLUMN = "The file has no column for {field} (such as “{header}”)."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a row: its spreadsheet number, column, value and why (en, th)."""

    row: int
    column: str
    value: str
    message: str
    message_th: str

    def as_dict(self) -> dict[str, object]:
        """Return the problem as JSON-ready data."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "message_th": self.message_th,
        }


class RowError(Exception):
    """A row cannot be imported: the field errors, by the import's field names."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(errors)
        self.errors = errors

    @classmethod
    def of(cls, error: ValidationError | DomainError, whole: str = "row") -> "RowError":
        """Build it from a schema's or a domain's refusal."""
        return cls(field_errors(error, whole=whole))

    @classmethod
    def on(cls, field_name: str, error: DomainError) -> "RowError":
        """Build it from a value reader's refusal of one field."""
        return cls([FieldError(field_name, error.detail, error.detail_th)])


@dataclass
class Checked:
    """A row that passed the checks: its number, the value to write and its warnings."""

    row: int
    value: Any
    key: str | None = None  # the external id (or what stands for it) that makes it an upsert
    warnings: list[FieldError] = field(default_factory=list)


@dataclass
class Written:
    """What a batch did: rows created, updated, unchanged, and rows the database refused."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[tuple[int, list[FieldError]]] = field(default_factory=list)
    # Warnings only the database tells (a person's earlier dose missing), by row; rows kept.
    warnings: list[tuple[int, list[FieldError]]] = field(default_factory=list)


def warning(field_name: str, message: str, **params: object) -> FieldError:
    """Return a warning about one field, in English and Thai."""
    return FieldError(field_name, message.format(**params), thai(message, **params))


class Kind:
    """An import kind; subclasses set `name`, `columns` and implement `check` and `write`."""

    name: ClassVar[str]
    title: ClassVar[str]  # English; Thai in th.po
    columns: ClassVar[tuple[Column, ...]]
    # Fields of which at least one must have a column (each inner tuple: one of these).
    needs: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Fields whose cells are never repeated in a report (national IDs): shown as `concealed`.
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    scope: str | None = None  # the importer's area code; None: anywhere
    preamble: tuple[str, ...] = ()  # the file's title rows above the header, as text

    async def check_scope(
        self, session: AsyncSession, field_name: str, lat: float, lon: float, area_code=None
    ) -> None:
        """Refuse a row whose pin (or area) is outside the importer's area."""
        if not self.scope:
            return
        located, _ = await areas_service.locate_codes(session, lat=lat, lon=lon)
        codes = [*located.values(), *([area_code] if area_code else [])]
        if not any(code.startswith(self.scope) for code in codes):
            raise RowError([warning(field_name, OUT_OF_AREA, scope=self.scope)])

    async def prepare(self, session: AsyncSession) -> None:
        """Load what checking rows needs (types, areas) once per import."""

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Turn one row's cells (by field) into a checked value, or raise `RowError`."""
        raise NotImplementedError

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Create or update the rows in the caller's transaction (an upsert by `key`)."""
        raise NotImplementedError

    async def finish(self, session: AsyncSession) -> list[tuple[int, list[FieldError]]]:
        """Return, by row, warnings only the whole file tells, after its last batch is written
        in the caller's transaction (none by default)."""
        return []

    def missing(self, fields: set[str]) -> list[FieldError]:
        """Return an error for each needed field that no column provides."""
        by_field = {c.field: c for c in self.columns}
        errors = []
        for choices in self.needs:
            if not fields.intersection(choices):
                column = by_field[choices[0]]
                errors.append(
                    warning(column.field, MISSING_COLUMN, field=column.en, header=column.th)
                )
        return errors


_kinds: dict[str, Kind] = {}


def register(kind: type[Kind]) -> type[Kind]:
    """Register an import kind by its name (a class decorator)."""
    _kinds[kind.name] = kind()
    return kind


def kind_of(name: str) -> Kind:
    """Return the kind with this name (a fresh one), or raise `Invalid` listing the kinds."""
    if name not in _kinds:
        raise Invalid(
            "imports.unknown_kind",
            UNKNOWN_KIND,
            {"value": str(name)[:40], "expected": ", ".join(sorted(_kinds))},
        )
    return type(_kinds[name])()


def kind_names() -> list[str]:
    """Return the names of the registered kinds."""
    return sorted(_kinds)


def concealed(text: str) -> str:
    """Return a secret cell as a report may show it: its first and last characters only."""
    return f"{text[:1]}…{text[-1:]}" if len(text) > 2 else "…"


def cell_text(cells: Mapping[str, object], name: str) -> str:
    """Return one field's cell as text, "" when absent or empty."""
    return text_of(cells.get(name))


def read(cells: Mapping[str, object], name: str, reader, *, default=None):
    """Read one field with a value reader; an empty cell is `default`; refusals name the field."""
    cell = cells.get(name)
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return default
    if isinstance(cell, str) and cell.lstrip().startswith("="):
        raise RowError([warning(name, FORMULA, field=name)])
    try:
        return reader(cell)
    except DomainError as error:
        raise RowError.on(name, error) from None


FORMULA = "{field} holds a formula, which is never calculated on import; paste the values instead."
