"""Writers of an export's rows as CSV, XLSX or GeoJSON, chunk by chunk, never the whole file.

Each writer takes the column names (and HXL hashtags) and an async iterator of row batches, and
yields bytes. CSV and GeoJSON send their first bytes before the database answers and every batch
as it comes; XLSX (a zip) is written row by row to a temporary file by openpyxl's write-only
mode, then sent, so its memory stays bounded too.

Spreadsheet formulas are neutralised: a text cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return is written with a leading apostrophe in CSV (OWASP's advice) and stored as a
plain text cell in XLSX, so no spreadsheet program runs it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import tempfile
from collections.abc import AsyncIterator, Sequence

import anyio.to_thread
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

from jitasa.exports.datasets import Format, Value

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = codecs.BOM_UTF8
CHUNK_BYTES = 64 * 1024
XLSX_ROWS_PER_SHEET = 1_048_576  # Excel's limit; further rows go on a next sheet
MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.GEOJSON: "application/geo+json",
}
Batches = AsyncIterator[list[Sequence[Value]]]


def neutralise(value: Value) -> Value:
    """Return text that a spreadsheet would run as a formula with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_cell(value: Value) -> Value:
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(value)


async def write_csv(
    names: list[str], hxl: list[str] | None, batches: Batches
) -> AsyncIterator[bytes]:
    """Yield a UTF-8 CSV with a byte order mark (so Excel reads Thai), header, HXL row, rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    if hxl:
        writer.writerow(hxl)
    yield BOM + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    async for batch in batches:
        writer.writerows([_csv_cell(v) for v in row] for row in batch)
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def _number(value: Value) -> Value:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


async def write_geojson(
    names: list[str], lat: str, lon: str, batches: Batches
) -> AsyncIterator[bytes]:
    """Yield a GeoJSON FeatureCollection: one Point feature per row, the rest as properties."""
    yield b'{"type":"FeatureCollection","features":['
    at_lat, at_lon = names.index(lat), names.index(lon)
    first = True
    async for batch in batches:
        parts = []
        for row in batch:
            properties = {n: _number(v) for n, v in zip(names, row, strict=True)}
            feature = {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row[at_lon], row[at_lat]]},
                "properties": properties,
            }
            parts.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
        if parts:
            yield (("" if first else ",") + ",".join(parts)).encode()
            first = False
    yield b"]}"


class _Sheets:
    """An openpyxl write-only workbook that opens a next sheet when one is full."""

    def __init__(self, names: list[str], hxl: list[str] | None) -> None:
        self.workbook = Workbook(write_only=True)
        self.head = [names, *([hxl] if hxl else [])]
        self._next_sheet()

    def _next_sheet(self) -> None:
        number = len(self.workbook.worksheets) + 1
        self.sheet = self.workbook.create_sheet("data" if number == 1 else f"data{number}")
        for head in self.head:
            self.sheet.append(head)
        self.rows = len(self.head)

    def _cell(self, value: Value) -> WriteOnlyCell:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(self.sheet, value=_number(value))
        if isinstance(value, str):
            cell.data_type = "s"  # text, even when it starts with "=": never a formula
        return cell

    def append(self, batch: list[Sequence[Value]]) -> None:
        """Write a batch of rows, opening a next sheet when this one is full."""
        for row in batch:
            if self.rows >= XLSX_ROWS_PER_SHEET:
                self._next_sheet()
            self.sheet.append([self._cell(v) for v in row])
            self.rows += 1


async def write_xlsx(
    names: list[str], hxl: list[str] | None, batches: Batches
) -> AsyncIterator[bytes]:
    """Yield an XLSX workbook: header, HXL row, rows (a next sheet past a million rows)."""
    sheets = _Sheets(names, hxl)
    async for batch in batches:
        await anyio.to_thread.run_sync(sheets.append, batch)
    with tempfile.TemporaryFile() as file:
        await anyio.to_thread.run_sync(sheets.workbook.save, file)
        file.seek(0)
        while chunk := await anyio.to_thread.run_sync(file.read, CHUNK_BYTES):
            yield chunk


def write(
    fmt: Format,
    names: list[str],
    hxl: list[str] | None,
    lat: str,
    lon: str,
    batches: Batches,
) -> AsyncIterator[bytes]:
    """Yield the export in the chosen format."""
    if fmt is Format.CSV:
        return write_csv(names, hxl, batches)
    if fmt is Format.XLSX:
        return write_xlsx(names, hxl, batches)
    return write_geojson(names, lat, lon, batches)
