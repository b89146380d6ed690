"""Export test helpers: read a CSV, XLSX or GeoJSON answer back into rows."""

import csv
import io
import json

from openpyxl import load_workbook


def csv_rows(response) -> list[list[str]]:
    """Return the rows of a CSV answer (header first), checking its UTF-8 byte order mark."""
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def csv_dicts(response, *, hxl: bool = False) -> list[dict[str, str]]:
    """Return the data rows of a CSV answer by header name (skipping the HXL row if asked)."""
    rows = csv_rows(response)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[2 if hxl else 1 :]]


def xlsx_sheets(response):
    """Return the workbook of an XLSX answer."""
    return load_workbook(io.BytesIO(response.content))


def features(response) -> list[dict]:
    """Return the features of a GeoJSON answer."""
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection"
    return body["features"]
