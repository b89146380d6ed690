"""Files that are broken, disguised or built to hurt are refused clearly, writing nothing."""

import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select

from jitasa.core.errors import Invalid
from jitasa.facilities.models import Facility
from jitasa.imports import readers, service
from jitasa.imports.service import Options, run_import

HEADER = "รหัส,ชื่อ,ประเภท,ละติจูด,ลองจิจูด\n"


async def refused(factory, path, kind="facilities", **options) -> Invalid:
    with pytest.raises(Invalid) as refusal:
        await run_import(factory, path, options=Options(kind, **options))
    assert refusal.value.detail_th  # said in Thai too
    return refusal.value


async def facilities(session) -> int:
    return await session.scalar(select(func.count()).select_from(Facility))


async def test_an_empty_file_and_a_header_alone_are_refused(factory, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert (await refused(factory, empty)).code == "imports.empty"
    header = tmp_path / "header.csv"
    header.write_text(HEADER, "utf-8")
    assert (await refused(factory, header)).code == "imports.no_rows"


async def test_a_file_without_the_columns_a_kind_needs_is_refused_naming_them(factory, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", "utf-8")
    refusal = await refused(factory, path)
    assert refusal.code == "imports.missing_columns"
    assert [e.field for e in refusal.errors] == ["name_th", "lat"]


async def test_a_zip_bomb_dressed_as_xlsx_or_kmz_is_refused_before_reading(
    factory, session, tmp_path
):
    for name in ("bomb.xlsx", "bomb.kmz"):
        path = tmp_path / name
        inner = "doc.kml" if name.endswith("kmz") else "xl/a.xml"
        with (
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
            archive.open(inner, "w") as entry,
        ):
            for _ in range(50):  # 50 MB of zeros, about 50 KB packed
                entry.write(b"\0" * 2**20)
        assert path.stat().st_size < 2 * 2**20
        assert (await refused(factory, path)).code == "imports.zip_bomb"
    assert await facilities(session) == 0


async def test_kml_with_a_doctype_or_entities_is_refused(factory, tmp_path):
    path = tmp_path / "laughs.kml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&b;</name>'
        "<Point><coordinates>98.9,18.8</coordinates></Point></Placemark></kml>",
        "utf-8",
    )
    assert (await refused(factory, path)).code == "imports.xml_dtd"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("hospitals.xlsx", HEADER.encode()),
        ("hospitals.csv", b"PK\x03\x04" + b"\0" * 100),
        ("hospitals.kml", b"not xml at all"),
        ("hospitals.geojson", b'{"type": "Feature"}'),
        ("hospitals.kmz", b"plain text"),
    ],
)
async def test_a_file_that_is_not_what_its_name_says_gets_a_clear_error(
    factory, tmp_path, name, content
):
    path = tmp_path / name
    path.write_bytes(content)
    refusal = await refused(factory, path)
    assert refusal.code == "imports.not_format"
    assert readers.format_of(name).upper() in refusal.detail


async def test_an_unknown_suffix_and_kind_are_refused_listing_what_is_known(factory, tmp_path):
    path = tmp_path / "hospitals.pdf"
    path.write_bytes(b"%PDF-1.4")
    assert "CSV, XLSX" in (await refused(factory, path)).detail
    csv_path = tmp_path / "x.csv"
    csv_path.write_text(HEADER + "1,รพ.ก,hospital,18.8,98.9\n", "utf-8")
    assert "facilities" in (await refused(factory, csv_path, kind="vaccines")).detail


async def test_a_file_over_the_size_limit_is_refused_unread(factory, tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "1,รพ.ก,hospital,18.8,98.9\n" * 100, "utf-8")
    assert (await refused(factory, path)).code == "imports.too_large"


async def test_bad_rows_are_each_reported_and_nothing_is_written_by_default(
    factory, session, tmp_path
):
    path = tmp_path / "mixed.csv"
    path.write_text(
        HEADER
        + "1,โรงพยาบาลดี,hospital,18.79,98.97\n"  # row 2: fine
        + "2,โรงพยาบาลสลับ,hospital,98.97,18.79\n"  # row 3: swapped, kept with a warning
        + "3,London,hospital,51.5,-0.12\n"  # row 4: outside Thailand
        + "1,ซ้ำ,hospital,18.7,98.9\n"  # row 5: id of row 2 again
        + "5,,hospital,18.7,98.9\n"  # row 6: no name
        + "6,รพ.ไหน,ปราสาท,18.7,98.9\n",  # row 7: unknown type
        "utf-8",
    )
    report = await run_import(factory, path, options=Options("facilities"))
    assert (report.rows_total, report.rows_failed, report.written) == (6, 4, False)
    assert [(p.row, p.column) for p in report.errors] == [
        (4, "ละติจูด"),
        (5, "รหัส"),
        (6, "ชื่อ"),
        (7, "ประเภท"),
    ]
    assert "outside Thailand" in report.errors[0].message
    assert "นอกประเทศไทย" in report.errors[0].message_th
    assert "also in row 2" in report.errors[1].message
    assert [(w.row, w.column) for w in report.warnings] == [(3, "ละติจูด")]
    assert await facilities(session) == 0

    skipped = await run_import(factory, path, options=Options("facilities", on_error="skip"))
    assert (skipped.rows_ok, skipped.created, skipped.written) == (2, 2, True)
    assert await facilities(session) == 2


async def test_formulas_are_never_calculated_and_are_refused_by_cell(factory, session, tmp_path):
    path = tmp_path / "formulas.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["ชื่อ", "ประเภท", "ละติจูด", "ลองจิจูด", "เตียงเขียวทั้งหมด"])
    sheet.append(["รพ.หนึ่ง", "hospital", 18.79, 98.97, "=1+1"])
    sheet.append(['=HYPERLINK("http://x","y")', "hospital", 18.7, 98.9, 3])
    workbook.save(path)
    report = await run_import(factory, path, options=Options("facilities"))
    assert [(p.row, p.column) for p in report.errors] == [(2, "เตียงเขียวทั้งหมด"), (3, "ชื่อ")]
    assert "formula" in report.errors[0].message
    assert await facilities(session) == 0


async def test_a_cancel_during_the_run_leaves_nothing_written(
    factory, session, tmp_path, monkeypatch
):
    monkeypatch.setattr(service, "BATCH_SIZE", 10)  # batches are written before the cancel
    path = tmp_path / "many.csv"
    lines = [f"{n},รพ.{n},hospital,18.{n:04d},98.9" for n in range(25)]
    path.write_text(HEADER + "\n".join(lines) + "\n", "utf-8")

    async def cancel(done, total):
        if done >= 20:
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        await run_import(factory, path, options=Options("facilities"), progress=cancel)
    assert await facilities(session) == 0
