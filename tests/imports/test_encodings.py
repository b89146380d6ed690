"""Text files in every encoding offices save them in: read, or refused naming the encoding.

Excel's "Unicode text" is UTF-16 with a byte-order mark, tab-separated; that (and UTF-16 with
commas, UTF-32) is read. Text whose encoding cannot be known, or that is not what it was read
as, is refused with a message naming the encoding and how to save it as UTF-8 — for CSV,
GeoJSON and KML alike.
"""

import codecs
import json
from functools import partial

import pytest

from jitasa.core.errors import Invalid
from jitasa.imports import columns, readers
from jitasa.imports.facility_kinds import Facilities
from jitasa.imports.jobs import count_lines
from jitasa.imports.service import Options, run_import
from tests.core.test_thai_rules import assert_in_both_languages
from tests.imports.conftest import sample

score = partial(columns.score, Facilities.columns)


def hospitals(delimiter: str) -> str:
    """The Chiang Mai hospitals sample as text, with `delimiter` between cells."""
    text = sample("facilities_chiangmai.csv").read_text("utf-8-sig")
    return text.replace(",", delimiter)


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        # Excel: Save As → "Unicode Text (*.txt)": UTF-16 little-endian, BOM, tabs
        ("hospitals.txt", codecs.BOM_UTF16_LE + hospitals("\t").encode("utf-16-le"), "utf-16"),
        ("hospitals.csv", codecs.BOM_UTF16_BE + hospitals(",").encode("utf-16-be"), "utf-16"),
        ("hospitals.tsv", codecs.BOM_UTF16_LE + hospitals("\t").encode("utf-16-le"), "utf-16"),
        ("hospitals.csv", codecs.BOM_UTF32_LE + hospitals(",").encode("utf-32-le"), "utf-32"),
    ],
)
async def test_a_utf16_or_utf32_file_with_its_mark_imports_every_row(
    factory, tmp_path, name, data, encoding
):
    path = tmp_path / name
    path.write_bytes(data)
    report = await run_import(factory, path, name=name, options=Options("facilities", dry_run=True))
    assert (report.encoding, report.rows_total, report.rows_ok) == (encoding, 25, 25)
    assert report.columns["ชื่อ"] == "name_th"  # the BOM is not part of the first header
    assert report.columns["รหัสหน่วยบริการ"] == "external_id"


def test_a_utf16_file_counts_its_lines_not_the_bytes_of_thai_letters(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + "ชื่อ\nช ช ช\nชช\n".encode("utf-16-le"))  # ช: 0A 0E
    assert count_lines(path) == 2


def refusal(tmp_path, name: str, data: bytes) -> Invalid:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(Invalid) as raised:
        list(readers.open_sheet(path, score=score).rows)
    assert_in_both_languages(raised.value)
    return raised.value


def test_utf16_without_its_mark_is_refused_naming_utf16(tmp_path):
    error = refusal(tmp_path, "x.csv", hospitals("\t").encode("utf-16-le"))
    assert error.code == "imports.utf16_without_bom"
    assert "UTF-16" in error.detail and "UTF-16" in error.detail_th
    assert "CSV UTF-8" in error.detail and "CSV UTF-8" in error.detail_th


def test_a_csv_that_changes_encoding_past_its_first_bytes_names_the_encoding(tmp_path):
    head = hospitals(",").encode("utf-8")
    filler = b"".join(b"10713,x,,,,,,,,,,,,\n" for _ in range(readers.SAMPLE_BYTES // 20 + 1))
    error = refusal(tmp_path, "x.csv", head + filler + "ชื่อ\n".encode("cp874"))
    assert error.code == "imports.wrong_encoding"
    assert error.params == {"encoding": "UTF-8"}
    assert "UTF-8" in error.detail_th


def geojson(points: int = 1) -> str:
    feature = {
        "type": "Feature",
        "properties": {"name": "โรงพยาบาลสันทราย", "type": "hospital"},
        "geometry": {"type": "Point", "coordinates": [99.04, 18.85]},
    }
    return json.dumps(
        {"type": "FeatureCollection", "features": [feature] * points}, ensure_ascii=False
    )


def test_a_geojson_in_utf16_with_its_mark_is_read(tmp_path):
    path = tmp_path / "x.geojson"
    path.write_bytes(codecs.BOM_UTF16_LE + geojson().encode("utf-16-le"))
    sheet = readers.open_sheet(path, score=score)
    assert [cells[0] for _, cells in sheet.rows] == ["โรงพยาบาลสันทราย"]


def test_a_geojson_not_in_utf8_is_refused_naming_utf8(tmp_path):
    error = refusal(tmp_path, "x.geojson", geojson().encode("cp874"))
    assert (error.code, error.params) == ("imports.wrong_encoding", {"encoding": "UTF-8"})


KML = (
    '<?xml version="1.0" encoding="{encoding}"?>\n'
    '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
    "<name>โรงพยาบาลสนามสันทราย</name><Point><coordinates>99.04,18.85,0</coordinates></Point>"
    "</Placemark></Document></kml>"
)


@pytest.mark.parametrize(
    ("data"),
    [
        KML.format(encoding="TIS-620").encode("tis-620"),
        KML.format(encoding="windows-874").encode("cp874"),
        codecs.BOM_UTF16_LE + KML.format(encoding="UTF-16").encode("utf-16-le"),
        codecs.BOM_UTF8 + KML.format(encoding="UTF-8").encode("utf-8"),
    ],
)
def test_a_kml_in_its_declared_or_marked_encoding_is_read(tmp_path, data):
    path = tmp_path / "x.kml"
    path.write_bytes(data)
    sheet = readers.open_sheet(path, score=score)
    assert [cells[0] for _, cells in sheet.rows] == ["โรงพยาบาลสนามสันทราย"]


def test_a_kml_not_in_its_declared_encoding_is_refused_naming_it(tmp_path):
    error = refusal(tmp_path, "x.kml", KML.format(encoding="UTF-8").encode("cp874"))
    assert (error.code, error.params) == ("imports.wrong_encoding", {"encoding": "UTF-8"})
    error = refusal(tmp_path, "y.kml", KML.format(encoding="x-klingon").encode("utf-8"))
    assert (error.code, error.params) == ("imports.unknown_encoding", {"value": "x-klingon"})
