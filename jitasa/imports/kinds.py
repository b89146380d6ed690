"""What every import kind shares: its columns, how a row becomes a checked value, the registry.

A kind (facilities, facility capacity, volunteers, requests) says which columns it knows
(`Column`, with Thai and English synonyms), how one row of cells becomes the input its domain's
API schema takes (`check`, raising `RowError` naming the column), and how a batch of checked rows
is written (`write`, in the caller's transaction, returning what became of each row). Kinds are
registered by name with `register`.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.errors import DomainError, FieldError, Invalid
from jitasa.core.field_names import FIELD_NAMES, thai_field, thai_params
from jitasa.core.i18n import thai
from jitasa.core.validation import field_errors, field_name
from jitasa.imports.columns import Column
from jitasa.imports.values import text_of

UNKNOWN_KIND = "“{value}” is not a kind of import; use one of: {expected}."
OUT_OF_AREA = "This row is outside your area ({scope}); an official of its area imports it."
MISSING_COLUMN = "The file has no column for {field} (such as “{header}”)."
WHOLE_ROW = "row"  # the field of a refusal that is about the whole row, not one cell
CLIPPED = 80  # characters of a cell a report repeats

# The columns of the kind whose rows are being checked: messages name fields by their headers.
_columns: ContextVar[Mapping[str, Column]] = ContextVar(
    "import_columns", default=MappingProxyType({})
)


@contextmanager
def labelled(columns: Sequence[Column]) -> Iterator[None]:
    """Within the block, name fields in messages by these columns' Thai and English headers."""
    token = _columns.set({c.field: c for c in columns})
    try:
        yield
    finally:
        _columns.reset(token)


def label(name: str, language: str) -> str:
    """Name a field as a person reads it, in `language` ("th" or "en").

    An import field is named by its column's header (`เตียงเขียวว่าง`, `green beds free`);
    any other key by the API's label (`core.field_names`); the whole row by nothing ("").
    """
    if name == WHOLE_ROW:
        return ""
    column = _columns.get().get(name)
    if column is not None:
        return column.th if language == "th" else column.en
    if language == "th":
        return thai_field(name)
    return FIELD_NAMES.get(name.split(".")[0], name)


def sentence(text: str) -> str:
    """Return an English message with its first letter in capitals (a header may open it)."""
    return text[:1].upper() + text[1:]


def clip(text: str, length: int = CLIPPED) -> str:
    """Return a cell's text as a report repeats it: at most `length` characters, "…" if cut."""
    return text if len(text) <= length else text[: length - 1] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a row: its spreadsheet number, column, value and why (en, th)."""

    row: int
    column: str  # the header as the file has it ("" for the whole row)
    value: str  # the cell's own text, clipped
    message: str
    message_th: str
    field: str = ""  # the import's field key ("" for the whole row)
    field_en: str = ""  # the field as a person reads it, in English and in Thai
    field_th: str = ""

    def as_dict(self) -> dict[str, object]:
        """Return the problem as JSON-ready data: row, column, field (key, en, th), value, why."""
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "field_en": self.field_en,
            "field_th": self.field_th,
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
    def of(
        cls,
        error: ValidationError | DomainError,
        whole: str = WHOLE_ROW,
        paths: Mapping[str, str] | None = None,
    ) -> "RowError":
        """Build it from a schema's or a domain's refusal, naming the import's fields.

        `paths` maps the schema's field paths (`beds_red.available`, or a top-level key such as
        `area_code`) to the import's fields; other paths are named by their top-level key.
        """
        paths = paths or {}

        def field_of(path: str) -> str:
            return paths.get(path) or paths.get(path.split(".")[0]) or path.split(".")[0]

        if isinstance(error, DomainError):
            if len(error.errors) == 1 and "field" in error.params:  # one field, re-told
                return cls.on(field_of(error.errors[0].field), error)
            found = field_errors(error, whole=whole)
            return cls([FieldError(field_of(e.field), e.message, e.message_th) for e in found])
        tops = {field_name(tuple(e["loc"])).split(".")[0] for e in error.errors()}
        names = {top: field_of(top) for top in tops}
        labels = {top: label(name, "en") for top, name in names.items()}
        labels_th = {top: label(name, "th") for top, name in names.items()}
        found = field_errors(error, labels=labels, labels_th=labels_th)
        return cls(
            [FieldError(field_of(e.field), sentence(e.message), e.message_th) for e in found]
        )

    @classmethod
    def on(cls, field_name: str, error: DomainError) -> "RowError":
        """Build it from a value reader's refusal of one field (a `{field}` in it is named)."""
        if "field" not in error.params:
            return cls([FieldError(field_name, error.detail, error.detail_th)])
        params = {**error.params, "field": label(field_name, "en")}
        params_th = {**thai_params(error.params), **error.params_th}
        params_th["field"] = label(field_name, "th")
        english = sentence(error.message.format(**params))
        return cls([FieldError(field_name, english, thai(error.message, **params_th))])


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
    """Return a warning about one field, in English and Thai; a `field` or `…_field`
    parameter (a field's key) is told by the field's header in each language (see `labelled`)."""
    names = [k for k in params if k == "field" or k.endswith("_field")]
    params_th = {**params, **{k: label(str(params[k]), "th") for k in names}}
    params = {**params, **{k: label(str(params[k]), "en") for k in names}}
    return FieldError(field_name, sentence(message.format(**params)), thai(message, **params_th))


class Kind:
    """An import kind; subclasses set `name`, `columns` and implement `check` and `write`."""

    name: ClassVar[str]
    title: ClassVar[str]  # English; Thai in th.po
    columns: ClassVar[tuple[Column, ...]]
    # Fields of which at least one must have a column (each inner tuple: one of these).
    needs: ClassVar[tuple[tuple[str, ...], ...]] = ()
    # Fields whose cells are never repeated in a report (national IDs): shown as `concealed`.
    secret_fields: ClassVar[frozenset[str]] = frozenset()
    # A field whose cell may be given by another column (a pin's lat by one position column).
    alternatives: ClassVar[Mapping[str, str]] = {"lat": "coordinates", "lon": "coordinates"}
    # The field whose cell makes a row's key (`Checked.key`): a key seen twice names it.
    key_field: ClassVar[str] = "external_id"
    # The domain schema's field paths that are an import field by another name (`home_lat`).
    paths: ClassVar[Mapping[str, str]] = {}
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
                    FieldError(
                        column.field,
                        MISSING_COLUMN.format(field=column.en, header=column.th),
                        thai(MISSING_COLUMN, field=column.th, header=column.en),
                    )
                )
        return errors

    def field_of(self, name: str, cells: Mapping[str, object]) -> str:
        """Return the import field a refusal of `name` (a field key, or a schema path) is
        about: its top-level key (by `paths`), or the column standing for it when the file
        has none."""
        top = self.paths.get(name) or self.paths.get(name.split(".")[0]) or name.split(".")[0]
        other = self.alternatives.get(top)
        if top not in cells and other in cells:
            return other
        return top


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
