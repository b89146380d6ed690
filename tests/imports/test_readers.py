"""Readers: title rows, merged cells, encodings, delimiters, KMZ; rows numbered as Excel does."""

import zipfile
from datetime import datetime
from functools import partial

import openpyxl

from jitasa.imports import columns, readers
from jitasa.imports.facility_kinds import Facilities
from jitasa.imports.service import Options, run_import
from tests.imports.conftest import sample

COVERAGE = (
    columns.Column("code", "รหัสอำเภอ", "district code"),
    columns.Column("district", "อำเภอ", "district"),
    columns.Column("population", "ประชากร", "population"),
)
score = partial(columns.score, Facilities.columns)


def test_the_coverage_workbook_has_its_header_under_a_title_and_a_blank_row():
    sheet = readers.open_sheet(
        sample("vaccine_coverage_chiangmai.xlsx"), score=partial(columns.score, COVERAGE)
    )
    assert sheet.header_row == 3
    assert sheet.headers == ["รหัสอำเภอ", "อำเภอ", "ประชากร", "เข็ม 1", "เข็ม 2", "เข็ม 3"]
    rows = list(sheet.rows)
    assert len(rows) == 25  # the 25 districts, numbered as Excel shows them
    assert rows[0] == (4, ["5001", "เมืองเชียงใหม่", 161139, 83964, 75330, 7075])
    assert rows[-1][0] == 28


def test_merged_cells_give_every_row_their_value(tmp_path):
    path = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["รายงานเตียง"])
    sheet.append(["ชื่อ", "อำเภอ", "ละติจูด", "ลองจิจูด", "ข้อมูล ณ วันที่"])
    sheet.append(["รพ.หนึ่ง", "เมืองเชียงใหม่", 18.79, 98.97, datetime(2564, 11, 10)])
    sheet.append(["รพ.สอง", None, 18.80, 98.98, "10 พ.ย. 64"])
    sheet.merge_cells("B3:B4")
    book.save(path)
    read = readers.open_sheet(path, score=score)
    assert read.header_row == 2
    assert [(n, cells[1]) for n, cells in read.rows] == [(3, "เมืองเชียงใหม่"), (4, "เมืองเชียงใหม่")]


async def test_tis620_with_semicolons_and_a_kmz_import(factory, tmp_path):
    path = tmp_path / "points.csv"
    text = "ชื่อ;ประเภท;ละติจูด;ลองจิจูด\nจุดฉีดวัคซีนวัดพระสิงห์;vaccination_point;๑๘.๗๘๘;๙๘.๙๘๒\n"
    path.write_bytes(text.encode("tis-620"))
    report = await run_import(factory, path, options=Options("facilities", dry_run=True))
    assert (report.encoding, report.rows_ok) == ("cp874", 1)
    kmz = tmp_path / "my-maps.kmz"
    with zipfile.ZipFile(kmz, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(sample("field_hospitals.kml"), "doc.kml")
    report = await run_import(factory, kmz, options=Options("facilities", dry_run=True))
    assert (report.format, report.rows_ok, report.rows_failed) == ("kmz", 2, 0)


def test_an_encoding_is_told_apart_by_its_bytes():
    thai = "โรงพยาบาลนครพิงค์,แม่ริม\n" * 20
    assert readers.detect_encoding(thai.encode("utf-8")) == "utf-8"
    assert readers.detect_encoding(b"\xef\xbb\xbf" + thai.encode("utf-8")) == "utf-8-sig"
    assert readers.detect_encoding(thai.encode("cp874")) == "cp874"
