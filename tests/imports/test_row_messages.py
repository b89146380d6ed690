"""A refused row is told the way its sender reads the file: the column's header as written,
the field in Thai and English, the cell's own value (clipped) and the reason, never a key.

Each test takes a sample file, spoils some of its cells and checks every problem reported.
"""

import csv
import re

import pytest

from jitasa.imports.kinds import CLIPPED, kind_of
from jitasa.imports.service import Options, run_import
from tests.imports.conftest import sample

KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z_]+\.[a-z_]+\b")  # name_th, beds_red.available


def spoiled(tmp_path, name: str, changes: dict[tuple[int, int], str]):
    """Write a sample CSV again with some cells changed ({(row, column): text}, 1 = first row)."""
    with sample(name).open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    for (row, column), text in changes.items():
        rows[row][column] = text
    path = tmp_path / name
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(rows)
    return path, rows[0], rows


def assert_told_by_the_file(problems, header: list[str], rows, kind: str) -> None:
    """Every problem names a header of the file, the field in both languages, the cell's
    value, and a reason in which no field key appears."""
    columns = {c.field: c for c in kind_of(kind).columns}
    assert problems
    for problem in problems:
        assert problem.column in header, problem
        assert problem.field in columns, problem
        assert (problem.field_th, problem.field_en) == (
            columns[problem.field].th,
            columns[problem.field].en,
        )
        cell = rows[problem.row - 1][header.index(problem.column)]
        assert problem.value == cell[:CLIPPED], problem
        for message in (problem.message, problem.message_th):
            assert not KEY.search(message.replace("Google Maps", "")), problem


async def test_facility_rows_are_told_by_header_field_and_cell(factory, tmp_path):
    changes = {
        (1, 12): "99",  # red beds free more than the 16 in all
        (2, 1): "",  # no name
        (3, 7): "สิบ",  # green beds total in words
        (4, 3): "abc",  # latitude
        (5, 13): "10/11/21",  # BE year written short: 2521
        (6, 6): "12",  # phone
        (7, 2): "ร้านค้า",  # type
        (8, 7): "",  # green beds free without the total
        (9, 12): "-3",  # red beds free below zero
    }
    path, header, rows = spoiled(tmp_path, "facilities_chiangmai.csv", changes)
    report = await run_import(factory, path, options=Options("facilities", dry_run=True))
    assert_told_by_the_file(report.errors, header, rows, "facilities")
    told = {(p.row, p.column, p.value) for p in report.errors}
    assert told == {
        (2, "เตียงแดงว่าง", "99"),
        (3, "ชื่อ", ""),
        (4, "เตียงเขียวทั้งหมด", "สิบ"),
        (5, "ละติจูด", "abc"),
        (6, "ข้อมูล ณ วันที่", "10/11/21"),
        (7, "โทรศัพท์", "12"),
        (8, "ประเภท", "ร้านค้า"),
        (9, "เตียงเขียวทั้งหมด", ""),
        (10, "เตียงแดงว่าง", "-3"),
    }
    red = next(p for p in report.errors if p.row == 2)
    assert red.message == "Red beds free (99) must not be more than the total (16)."
    assert red.message_th == "เตียงแดงว่าง (99) ต้องไม่มากกว่าจำนวนทั้งหมด (16)"


async def test_capacity_rows_are_told_by_header_field_and_cell(factory, tmp_path):
    await run_import(factory, sample("facilities_chiangmai.csv"), options=Options("facilities"))
    header = ["รหัสหน่วยบริการ", "green beds total", "green beds free"]
    rows = [header, ["10713", "5", "9"], ["10714", "x", "1"], ["", "1", "1"], ["99999", "1", "1"]]
    path = tmp_path / "capacity.csv"
    path.write_text("\n".join(",".join(r) for r in rows), "utf-8")
    report = await run_import(
        factory, path, options=Options("facility_capacity", dry_run=True, on_error="skip")
    )
    assert_told_by_the_file(report.errors, header, rows, "facility_capacity")
    assert [(p.row, p.column, p.value) for p in report.errors] == [
        (2, "green beds free", "9"),
        (3, "green beds total", "x"),
        (4, "รหัสหน่วยบริการ", ""),
        (5, "รหัสหน่วยบริการ", "99999"),
    ]
    assert report.errors[0].message == "Green beds free (9) must not be more than the total (5)."
    assert report.errors[2].message_th == "ต้องระบุ รหัสหน่วยบริการ"


@pytest.mark.parametrize(
    ("name", "kind", "changes", "told"),
    [
        (
            "volunteers_vhv.csv",
            "volunteers",
            {(1, 1): "12", (2, 6): "บางที", (3, 2): "ห้า", (4, 0): "ก" * 300},
            {(2, "เบอร์โทร", "12"), (3, "มีรถ", "บางที"), (4, "หมู่ที่", "ห้า"),
             (5, "ชื่อ-สกุล", "ก" * (CLIPPED - 1) + "…")},
        ),
        (
            "requests_hotline.csv",
            "requests",
            {(1, 4): "สี่", (2, 5): "1000", (3, 7): "ม่วง", (4, 0): "31/02/2564"},
            {(2, "จำนวนคน", "สี่"), (3, "ละติจูด", "1000"), (4, "ระดับอาการ", "ม่วง"),
             (5, "วันที่รับแจ้ง", "31/02/2564")},
        ),
    ],
)  # fmt: skip
async def test_people_rows_are_told_by_header_field_and_cell(
    factory, tmp_path, name, kind, changes, told
):
    path, header, rows = spoiled(tmp_path, name, changes)
    report = await run_import(factory, path, options=Options(kind, dry_run=True))
    for problem in report.errors:  # a clipped cell is its first characters and "…"
        if problem.value.endswith("…"):
            rows[problem.row - 1][header.index(problem.column)] = problem.value
    assert_told_by_the_file(report.errors, header, rows, kind)
    assert {(p.row, p.column, p.value) for p in report.errors} == told


async def test_a_key_seen_twice_names_its_column_or_else_the_whole_row(factory, tmp_path):
    path, _header, _rows = spoiled(tmp_path, "volunteers_vhv.csv", {(3, 1): "0821013301"})
    report = await run_import(factory, path, options=Options("volunteers", dry_run=True))
    [twice] = report.errors  # row 2's phone, 082-101-3301, written another way in row 4
    assert (twice.row, twice.column, twice.value, twice.field) == (
        4,
        "เบอร์โทร",
        "0821013301",
        "phone",
    )
    assert "row 2" in twice.message and "แถวที่ 2" in twice.message_th
    path = tmp_path / "no-ids.csv"
    path.write_text("ชื่อ,ประเภท,ละติจูด,ลองจิจูด\n" + "รพ.หนึ่ง,hospital,18.79,98.97\n" * 2, "utf-8")
    report = await run_import(factory, path, options=Options("facilities", dry_run=True))
    [twice] = report.errors  # no id column: the row as a whole is the same as row 2
    assert (twice.row, twice.column, twice.field, twice.field_th) == (3, "", "", "")
