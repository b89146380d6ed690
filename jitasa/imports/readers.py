"""Reading an official's file as rows of cells: CSV, XLSX, GeoJSON, KML and KMZ.

`open_sheet(path, name)` checks the file is what its name says and is safe to read, then
returns a `Sheet`: the header cells and an iterator of `(row_number, cells)`, where the row
number is the one a person sees in a spreadsheet program (a CSV's header is row 1; an XLSX's
title rows count). CSV and XLSX stream; GeoJSON and KML are read whole (they are bounded by the
upload limit). Refusals are `Invalid` with a Thai and English message, raised before anything is
written:

- a zip (XLSX, KMZ) whose declared uncompressed size is too large or too much larger than the
  file (a zip bomb) is refused before one entry is read; reading never passes a declared size;
- XML with a DOCTYPE or entities is refused (defusedxml);
- formulas are never evaluated: a formula cell is read as its text and refused by the row check;
- text is decoded as `imports.encodings` tells (UTF-8, CP874, UTF-16 with a BOM), or refused
  naming the encoding.
"""

import csv
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from jitasa.core.errors import Invalid
from jitasa.imports.encodings import bom_encoding, detect_encoding, wrong_encoding, xml_text

MAX_FILE_BYTES = 256 * 1024 * 1024  # an upload or a CLI file larger than this is refused
MAX_UNZIPPED_BYTES = 2 * 1024 * 1024 * 1024  # declared uncompressed size of a whole XLSX/KMZ
MAX_ZIP_RATIO = 200  # declared uncompressed size / compressed size, past 10 MB
HEADER_SEARCH_ROWS = 20  # title rows above the header are looked for this far down
SAMPLE_BYTES = 64 * 1024
FORMATS = ("csv", "xlsx", "geojson", "kml", "kmz")

TOO_LARGE = "The file is larger than {limit} MB; split it into smaller files."
EMPTY = "The file is empty."
UNKNOWN_FORMAT = (
    "Files ending in “{suffix}” cannot be imported; use CSV, XLSX, GeoJSON, KML or KMZ."
)
NOT_WHAT_IT_SAYS = "The file is not a valid {format} file (its name says {format})."
ZIP_BOMB = "The file unpacks to far more than its size (a zip bomb?); it was not opened."
XML_DTD = "The file declares a DOCTYPE or entities, which are not allowed in KML."
Cells = list[object]


@dataclass
class Sheet:
    """What a reader found: the header, the rows with their spreadsheet numbers, notes."""

    format: str
    headers: list[str]
    rows: Iterator[tuple[int, Cells]]
    encoding: str | None = None
    header_row: int = 1
    notes: list[str] = field(default_factory=list)
    title: list[str] = field(default_factory=list)  # the text of rows above the header


def format_of(name: str) -> str:
    """Return the format a file name says (csv, xlsx, geojson, kml, kmz), or raise `Invalid`."""
    suffix = Path(name).suffix.lower().lstrip(".")
    suffix = {"json": "geojson", "txt": "csv", "tsv": "csv"}.get(suffix, suffix)
    if suffix not in FORMATS:
        raise Invalid("imports.unknown_format", UNKNOWN_FORMAT, {"suffix": Path(name).suffix})
    return suffix


def open_sheet(path: Path, name: str | None = None, *, score: Callable[[list[str]], int]) -> Sheet:
    """Open a file as a sheet; `score(cells)` rates a row as the header (title rows skipped)."""
    fmt = format_of(name or path.name)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise Invalid("imports.too_large", TOO_LARGE, {"limit": MAX_FILE_BYTES // 2**20})
    if size == 0:
        raise Invalid("imports.empty", EMPTY)
    reader = {"csv": _csv, "xlsx": _xlsx, "geojson": _geojson, "kml": _kml, "kmz": _kmz}[fmt]
    return reader(path, score)


def _not_format(fmt: str) -> Invalid:
    return Invalid("imports.not_format", NOT_WHAT_IT_SAYS, {"format": fmt.upper()})


def _find_header(
    rows: Iterator[tuple[int, Cells]], score: Callable[[list[str]], int]
) -> tuple[int, list[str], list[tuple[int, Cells]], list[str]]:
    """Take the best-scoring row of the first few as the header; return it, the rows after
    and the text of the non-blank rows above it (a workbook's title)."""
    head: list[tuple[int, Cells]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SEARCH_ROWS:
            break
    if not head:
        raise Invalid("imports.empty", EMPTY)
    texts = [[_text(c) for c in cells] for _, cells in head]
    best = max(range(len(head)), key=lambda i: (score(texts[i]), sum(1 for t in texts[i] if t)))
    if score(texts[best]) == 0:  # nothing known: the first row with two filled cells
        best = next((i for i, t in enumerate(texts) if sum(1 for c in t if c) >= 2), 0)
    title = [" ".join(t for t in texts[i] if t) for i in range(best)]
    return head[best][0], texts[best], head[best + 1 :], [line for line in title if line]


def _text(cell: object) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _blank(cells: Cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _finish(fmt: str, rows: Iterator[tuple[int, Cells]], score, **extra) -> Sheet:
    header_row, headers, after, title = _find_header(rows, score)

    def data() -> Iterator[tuple[int, Cells]]:
        yield from after
        yield from rows

    def non_blank() -> Iterator[tuple[int, Cells]]:
        return ((n, c) for n, c in data() if not _blank(c))

    return Sheet(fmt, headers, non_blank(), header_row=header_row, title=title, **extra)


# CSV ------------------------------------------------------------------------------------------


def _csv(path: Path, score) -> Sheet:
    with path.open("rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
    if sample.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise _not_format("csv")
    encoding = detect_encoding(sample)
    text = sample.decode(encoding, errors="ignore")
    if "\x00" in text:  # a binary file, not text in any encoding
        raise _not_format("csv")
    try:
        dialect = csv.Sniffer().sniff("\n".join(text.splitlines()[:20]), delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    handle = path.open(encoding=encoding, errors="strict", newline="")

    def rows() -> Iterator[tuple[int, Cells]]:
        try:
            yield from enumerate(csv.reader(handle, delimiter=delimiter), start=1)
        except UnicodeDecodeError:  # past the sample: another encoding further down
            raise wrong_encoding(encoding) from None
        except csv.Error:
            raise _not_format("csv") from None
        finally:
            handle.close()

    return _finish("csv", rows(), score, encoding=encoding)


# Zips (XLSX, KMZ) ---------------------------------------------------------------------------


def _safe_zip(path: Path, fmt: str) -> zipfile.ZipFile:
    """Open a zip after checking the sizes it declares: a bomb is refused before any reading."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _not_format(fmt) from None
    infos = archive.infolist()
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_UNZIPPED_BYTES or (
        total > 10 * 2**20 and total > MAX_ZIP_RATIO * max(packed, 1)
    ):
        archive.close()
        raise Invalid("imports.zip_bomb", ZIP_BOMB)
    return archive


_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_ranges(archive: zipfile.ZipFile, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """Return the merged ranges (min_row, min_col, max_row, max_col) of a sheet, read in chunks."""
    from openpyxl.utils import column_index_from_string

    ranges, tail = [], b""
    with archive.open(sheet_path) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            for found in _MERGE.finditer(data):
                c1, r1, c2, r2 = found.groups()
                ranges.append(
                    (
                        int(r1),
                        column_index_from_string(c1.decode()),
                        int(r2),
                        column_index_from_string(c2.decode()),
                    )
                )
            tail = data[-200:]
    return sorted(set(ranges))


def _xlsx(path: Path, score) -> Sheet:
    import openpyxl  # imported here: only an XLSX import pays for it

    with _safe_zip(path, "xlsx") as archive:
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
            sheet = workbook.worksheets[0]
        except Exception:  # openpyxl raises many kinds for a broken workbook
            raise _not_format("xlsx") from None
        sheet_path = (getattr(sheet, "_worksheet_path", None) or "xl/worksheets/sheet1.xml").lstrip(
            "/"
        )
        names = archive.namelist()
        merged = _merged_ranges(archive, sheet_path) if sheet_path in names else []

    def rows() -> Iterator[tuple[int, Cells]]:
        spans: dict[tuple[int, int, int, int], object] = {}
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = list(values)
                for span in merged:
                    r1, c1, r2, c2 = span
                    if r1 == number:
                        spans[span] = cells[c1 - 1] if c1 - 1 < len(cells) else None
                    if r1 <= number <= r2:
                        cells += [None] * (c2 - len(cells))
                        for column in range(c1 - 1, c2):
                            cells[column] = spans.get(span)
                yield number, cells
        except (DefusedXmlException, zipfile.BadZipFile, KeyError, ValueError):
            raise _not_format("xlsx") from None
        finally:
            workbook.close()

    return _finish("xlsx", rows(), score)


# GeoJSON, KML, KMZ ----------------------------------------------------------------------------


def _records_sheet(fmt: str, records: list[dict[str, object]]) -> Sheet:
    """A sheet from records (features, placemarks): one column per key, numbered from 1."""
    headers: list[str] = []
    for record in records:
        headers += [key for key in record if key not in headers]
    rows = iter([(n, [r.get(h) for h in headers]) for n, r in enumerate(records, start=1)])
    return Sheet(fmt, headers, rows, header_row=0)


def _geojson(path: Path, _score) -> Sheet:
    data = path.read_bytes()
    encoding = bom_encoding(data) or "utf-8"  # RFC 7946: UTF-8; a marked UTF-16 is read too
    try:
        document = json.loads(data.decode(encoding))
    except UnicodeDecodeError:
        raise wrong_encoding(encoding) from None
    except ValueError:
        raise _not_format("geojson") from None
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        raise _not_format("geojson")
    records = []
    for feature in document["features"]:
        if not isinstance(feature, dict):
            raise _not_format("geojson")
        properties = feature.get("properties")
        record = dict(properties) if isinstance(properties, dict) else {}
        geometry = feature.get("geometry") or {}
        point = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if isinstance(point, list) and len(point) >= 2:
            record["longitude"], record["latitude"] = point[0], point[1]
        records.append(record)
    return _records_sheet("geojson", records)


def _kml_records(data: bytes, fmt: str) -> list[dict[str, object]]:
    text = xml_text(data)
    try:
        root = SafeET.fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        raise Invalid("imports.xml_dtd", XML_DTD) from None
    except SafeET.ParseError:
        raise _not_format(fmt) from None
    if not root.tag.endswith("kml"):
        raise _not_format(fmt)
    records: list[dict[str, object]] = []

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    def walk(element, folder: str) -> None:
        for child in element:
            name = local(child.tag)
            if name == "Folder":
                title = next((c.text for c in child if local(c.tag) == "name"), "") or ""
                walk(child, title.strip())
            elif name == "Document":
                walk(child, folder)
            elif name == "Placemark":
                records.append(_placemark(child, folder, local))

    walk(root, "")
    return records


_BREAK = re.compile(r"<br\s*/?>|</p>|</div>|\n", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _placemark(element, folder: str, local) -> dict[str, object]:
    """One placemark as a record: name, folder, extended data, "key: value" lines, position."""
    record: dict[str, object] = {"folder": folder} if folder else {}
    for child in element.iter():
        tag = local(child.tag)
        if tag == "name" and "name" not in record:
            record["name"] = (child.text or "").strip()
        elif tag == "Data":
            value = next((c.text for c in child if local(c.tag) == "value"), None)
            record[child.get("name", "")] = value
        elif tag == "SimpleData":
            record[child.get("name", "")] = child.text
        elif tag == "description":
            text = child.text or ""
            for line in _BREAK.split(text):
                key, colon, value = _TAG.sub("", line).partition(":")
                if colon and key.strip() and len(key) < 60:
                    record.setdefault(key.strip(), value.strip())
                else:
                    line = line.strip()
                    # "โทร 053-…" and the like: a word then a value
                    word, _, rest = _TAG.sub("", line).partition(" ")
                    if word and rest:
                        record.setdefault(word, rest.strip())
        elif tag == "Point":
            coords = next((c.text for c in child.iter() if local(c.tag) == "coordinates"), "")
            parts = (coords or "").strip().split(",")
            if len(parts) >= 2:
                record["longitude"], record["latitude"] = parts[0].strip(), parts[1].strip()
    return record


def _kml(path: Path, _score) -> Sheet:
    return _records_sheet("kml", _kml_records(path.read_bytes(), "kml"))


def _kmz(path: Path, _score) -> Sheet:
    with _safe_zip(path, "kmz") as archive:
        names = [n for n in archive.namelist() if n.lower().endswith(".kml")]
        if not names:
            raise _not_format("kmz")
        main = "doc.kml" if "doc.kml" in names else names[0]
        data = archive.read(main)
    return _records_sheet("kmz", _kml_records(data, "kmz"))


def text_rows(sheet: Sheet) -> Iterator[tuple[int, dict[str, object]]]:
    """Return the rows as {header: cell} (a header seen twice keeps its first column)."""
    positions: dict[str, int] = {}
    for index, header in enumerate(sheet.headers):
        positions.setdefault(header, index)
    for number, cells in sheet.rows:
        yield number, {h: (cells[i] if i < len(cells) else None) for h, i in positions.items()}
