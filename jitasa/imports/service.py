"""Running an import: read the file, match its columns, check every row, write all or nothing.

`run_import` reads the file as a stream, checks each row with its kind (the same schema as the
API), reports each problem with the row number a person sees in the spreadsheet, and writes the
checked rows in batches inside one transaction. That transaction is committed only when the run
is real and either nothing failed or `on_error="skip"`; a dry run, a failed all-or-nothing run, a
cancel or a killed process leave nothing written. The same file imported twice changes nothing
the second time (an upsert by external id; a key seen twice in one file is reported).
"""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.clusters import service as clusters_service
from jitasa.core.errors import FieldError, Invalid
from jitasa.core.i18n import thai
from jitasa.imports import columns as columns_module
from jitasa.imports import coverage_kinds as _coverage_kinds  # noqa: F401  (registers kinds)
from jitasa.imports import facility_kinds as _facility_kinds  # noqa: F401
from jitasa.imports import people_kinds as _people_kinds  # noqa: F401
from jitasa.imports import resident_kinds as _resident_kinds  # noqa: F401
from jitasa.imports.kinds import (
    FORMULA,
    WHOLE_ROW,
    Checked,
    Kind,
    Problem,
    RowError,
    clip,
    concealed,
    kind_of,
    label,
    labelled,
    warning,
)
from jitasa.imports.readers import Sheet, open_sheet
from jitasa.imports.values import text_of

BATCH_SIZE = 1000
MAX_LISTED = 1000  # problems kept in a report; the counts go on past it
ON_ERROR = ("abort", "skip")
NO_ROWS = "The file has a header but no rows to import."
MISSING_COLUMNS = "The file lacks columns this import needs: {fields}."
UNUSED_COLUMN = "This column is not imported (no field of this kind is called so)."
DUPLICATE_KEY = "The same id is also in row {row}; each row must have its own."
BAD_ON_ERROR = "on_error must be abort or skip."
Progress = Callable[[int, int | None], Awaitable[None]]


@dataclass
class Options:
    """How to run an import: its kind, dry run, what to do with bad rows, column mapping."""

    kind: str
    dry_run: bool = False
    on_error: str = "abort"
    mapping: dict[str, str] = field(default_factory=dict)
    scope: str | None = None  # the importer's area: rows outside it are refused (None: anywhere)

    def __post_init__(self) -> None:
        if self.on_error not in ON_ERROR:
            raise Invalid("imports.bad_on_error", BAD_ON_ERROR)


@dataclass
class Report:
    """What an import found and did; `errors` rows were refused, `warnings` rows were kept."""

    kind: str
    format: str = ""
    encoding: str | None = None
    header_row: int = 1
    columns: dict[str, str] = field(default_factory=dict)  # header → field
    dry_run: bool = False
    on_error: str = "abort"
    rows_total: int = 0
    rows_ok: int = 0
    rows_failed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False  # committed
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Return the report as JSON-ready data (the CLI's `--json` line, the API's answer)."""
        data = asdict(self)
        data["errors"] = [p.as_dict() for p in self.errors]
        data["warnings"] = [p.as_dict() for p in self.warnings]
        return data


def missing_columns(missing: list[FieldError]) -> Invalid:
    """Return the refusal of a file that has no column for needed fields (one error each)."""
    fields = ", ".join(e.message for e in missing)
    return Invalid("imports.missing_columns", MISSING_COLUMNS, {"fields": fields}, missing)


@dataclass
class Columns:
    """A file's header as an import reads it: each header's field (None: not imported), a few
    rows' cells to recognise the columns by, and the needed fields no column provides."""

    format: str
    encoding: str | None
    header_row: int
    headers: list[str]
    fields: list[str | None]
    samples: list[list[str]]
    missing: list[FieldError]


def read_columns(
    path: Path, *, options: Options, name: str | None = None, rows: int = 3
) -> Columns:
    """Read a file's header and first `rows` rows and match its columns as `run_import` would
    (the import wizard's mapping step); raise `Invalid` for a file refused whole or a mapping
    naming an unknown field or column."""
    kind = kind_of(options.kind)
    sheet = open_sheet(path, name, score=partial(columns_module.score, kind.columns))
    positions = columns_module.match(kind.columns, sheet.headers, options.mapping)
    samples = []
    for _number, cells in sheet.rows:
        samples.append([text_of(c)[:60] for c in cells[: len(sheet.headers)]])
        if len(samples) >= rows:
            break
    getattr(sheet.rows, "close", lambda: None)()  # an XLSX reader lets its workbook go
    return Columns(
        format=sheet.format,
        encoding=sheet.encoding,
        header_row=sheet.header_row,
        headers=list(sheet.headers),
        fields=[positions.get(p) for p in range(len(sheet.headers))],
        samples=samples,
        missing=kind.missing(set(positions.values())),
    )


class _Rollback(Exception):
    """Leaves the import's transaction without committing."""


def _problem(
    row: int, kind: Kind, headers: dict[str, str], error: FieldError, cells: dict
) -> Problem:
    """Name a field error by the column the person sees (its header in the file, else the
    kind's Thai header), the field in Thai and English, and the cell's own value, clipped (a
    secret field's, such as a national ID, only by its first and last characters)."""
    name = kind.field_of(error.field, cells)
    value = text_of(cells.get(name))
    by_field = {c.field: c for c in kind.columns}
    header = headers.get(name) or (by_field[name].th if name in by_field else "")
    with labelled(kind.columns):
        field_en, field_th = label(name, "en"), label(name, "th")
    return Problem(
        row=row,
        column=header,
        value=concealed(value) if name in kind.secret_fields and value else clip(value),
        message=error.message,
        message_th=error.message_th,
        field="" if name == WHOLE_ROW else name,
        field_en=field_en,
        field_th=field_th,
    )


def _key_digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=8).digest()


class Importer:
    """One run of an import (see the module's docstring)."""

    def __init__(self, kind: Kind, options: Options, sheet: Sheet) -> None:
        self.kind, self.options, self.sheet = kind, options, sheet
        self.report = Report(
            kind=kind.name,
            format=sheet.format,
            encoding=sheet.encoding,
            header_row=sheet.header_row,
            dry_run=options.dry_run,
            on_error=options.on_error,
        )
        self.positions = columns_module.match(kind.columns, sheet.headers, options.mapping)
        self.headers = {f: sheet.headers[p] for p, f in self.positions.items()}
        self.report.columns = {sheet.headers[p]: f for p, f in sorted(self.positions.items())}
        missing = kind.missing(set(self.positions.values()))
        if missing:
            raise missing_columns(missing)
        for position, header in enumerate(sheet.headers):
            if position not in self.positions and header:
                message = UNUSED_COLUMN
                self._add(
                    self.report.warnings,
                    Problem(sheet.header_row, header, "", message, thai(message)),
                )
        self.seen: dict[bytes, int] = {}

    def _second_header(self, cells: list) -> bool:
        """Tell whether the first row after the header is a header too (English under Thai)."""
        texts = [text_of(c) for c in cells]
        return 2 * columns_module.score(self.kind.columns, texts) >= max(len(self.positions), 2)

    def _add(self, problems: list[Problem], problem: Problem) -> None:
        if len(problems) < MAX_LISTED:
            problems.append(problem)

    def _warn(self, row: int, notes: list[FieldError], cells: dict) -> None:
        for note in notes:
            problem = _problem(row, self.kind, self.headers, note, cells)
            self._add(self.report.warnings, problem)

    def _fail(self, row: int, errors: list[FieldError], cells: dict) -> None:
        self.report.rows_failed += 1
        for error in errors:
            self._add(
                self.report.errors,
                _problem(row, self.kind, self.headers, error, cells),
            )

    @property
    def stopped(self) -> bool:
        """Whether writing has stopped: an all-or-nothing run after its first bad row."""
        return self.options.on_error == "abort" and self.report.rows_failed > 0

    async def run(self, session: AsyncSession, actor, progress: Progress | None) -> None:
        """Check every row; write the good ones in batches while the run may still commit."""
        self.kind.scope = self.options.scope
        self.kind.preamble = tuple(self.sheet.title)
        await self.kind.prepare(session)
        batch: list[Checked] = []
        cells_of: dict[int, dict] = {}
        first = True
        for number, cells in self.sheet.rows:
            if first and self._second_header(cells):  # a template's English header row
                first = False
                continue
            first = False
            by_field = {f: cells[p] if p < len(cells) else None for p, f in self.positions.items()}
            self.report.rows_total += 1
            formulas = [
                warning(f, FORMULA, field=f)
                for f, cell in by_field.items()
                if isinstance(cell, str) and cell.lstrip().startswith("=")
            ]
            if formulas:
                self._fail(number, formulas, by_field)
                continue
            try:
                checked = await self.kind.check(session, by_field)
            except RowError as error:
                self._fail(number, error.errors, by_field)
                continue
            checked.row = number
            if checked.key is not None:
                digest = _key_digest(checked.key)
                if digest in self.seen:
                    first = self.seen[digest]
                    key = self.kind.key_field  # the whole row's if the file has no such column
                    error = FieldError(
                        key if key in self.headers else WHOLE_ROW,
                        DUPLICATE_KEY.format(row=first),
                        thai(DUPLICATE_KEY, row=first),
                    )
                    self._fail(number, [error], by_field)
                    continue
                self.seen[digest] = number
            self._warn(number, checked.warnings, by_field)
            if not self.stopped:
                batch.append(checked)
                cells_of[number] = by_field
            if len(batch) >= BATCH_SIZE:
                await self._write(session, batch, cells_of, actor)
                batch, cells_of = [], {}
            if progress and self.report.rows_total % BATCH_SIZE == 0:
                await progress(self.report.rows_total, None)
        if batch and not self.stopped:
            await self._write(session, batch, cells_of, actor)
        if not self.stopped:
            for number, notes in await self.kind.finish(session):
                self._warn(number, notes, {})
        if self.report.rows_total == 0:
            raise Invalid("imports.no_rows", NO_ROWS)

    async def _write(self, session, batch: list[Checked], cells_of: dict, actor) -> None:
        if self.stopped:
            return
        written = await self.kind.write(session, batch, actor)
        # The batch's map counts now, not all at the commit: memory stays one batch's worth.
        await session.flush()
        await session.run_sync(clusters_service.apply_pending)
        session.expunge_all()  # nor are the batch's objects kept until the end
        self.report.created += written.created
        self.report.updated += written.updated
        self.report.unchanged += written.unchanged
        for row, errors in written.refused:
            self._fail(row, errors, cells_of.get(row, {}))
        for row, notes in written.warnings:
            self._warn(row, notes, cells_of.get(row, {}))
        self.report.rows_ok += len(batch) - len(written.refused)

    @property
    def commits(self) -> bool:
        """Whether the run's writes are kept."""
        return not self.options.dry_run and (
            self.report.rows_failed == 0 or self.options.on_error == "skip"
        )


async def run_import(
    session_factory: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    options: Options,
    actor=None,
    name: str | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import a file (see the module's docstring); raise `Invalid` for a file refused whole.

    `name` is the file's name as uploaded (its suffix says the format); `progress(rows_done,
    rows_total_or_None)` is awaited every batch and may raise to cancel (nothing is kept).
    """
    kind = kind_of(options.kind)
    sheet = open_sheet(path, name, score=partial(columns_module.score, kind.columns))
    importer = Importer(kind, options, sheet)
    try:
        async with session_factory() as session:
            try:
                with labelled(kind.columns):
                    await importer.run(session, actor, progress)
                if not importer.commits:
                    raise _Rollback
                await session.commit()
                importer.report.written = True
            except BaseException:
                await session.rollback()
                raise
    except _Rollback:
        pass
    report = importer.report
    if not report.written:  # nothing was kept: say what would have been
        report.rows_ok = report.rows_total - report.rows_failed
    if progress:
        await progress(report.rows_total, report.rows_total)
    return report
