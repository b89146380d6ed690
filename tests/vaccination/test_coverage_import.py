"""Importing coverage: the Chiang Mai workbook with its title row, upserts, bad rows."""

from datetime import date, timedelta

from sqlalchemy import func, select

from jitasa.imports.service import Options, run_import
from jitasa.vaccination.models import Coverage
from tests.imports.conftest import sample
from tests.imports.test_api import run_jobs, staff, upload

WORKBOOK = "vaccine_coverage_chiangmai.xlsx"


async def rows(session) -> dict[str, tuple]:
    found = await session.scalars(select(Coverage).order_by(Coverage.area_code))
    return {
        r.area_code: (r.as_of, r.population, r.dose_1, r.dose_2, r.dose_3, r.booster, r.source)
        for r in found
    }


async def test_the_chiang_mai_workbook_imports_25_districts_dated_by_its_title(factory, session):
    report = await run_import(factory, sample(WORKBOOK), options=Options("vaccination_coverage"))
    assert (report.rows_total, report.rows_ok, report.rows_failed) == (25, 25, 0)
    assert (report.created, report.written, report.header_row) == (25, True, 3)
    assert report.errors == [] and report.warnings == []
    assert report.columns == {
        "รหัสอำเภอ": "area_code",
        "อำเภอ": "area_name",
        "ประชากร": "population",
        "เข็ม 1": "dose_1",
        "เข็ม 2": "dose_2",
        "เข็ม 3": "dose_3",
    }
    found = await rows(session)
    assert len(found) == 25 and sorted(found)[0] == "5001" and sorted(found)[-1] == "5025"
    # the title says "ข้อมูล ณ วันที่ 14 พฤศจิกายน 2564": 14 November 2021
    day = date(2021, 11, 14)
    assert found["5001"] == (day, 161139, 83964, 75330, 7075, 0, "import")
    assert found["5014"] == (day, 248086, 198393, 177528, 31288, 0, "import")
    assert found["5025"] == (day, 156420, 111005, 95196, 11907, 0, "import")


async def test_the_same_workbook_twice_changes_nothing_and_new_figures_update(
    factory, session, tmp_path
):
    await run_import(factory, sample(WORKBOOK), options=Options("vaccination_coverage"))
    again = await run_import(factory, sample(WORKBOOK), options=Options("vaccination_coverage"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 25)
    path = tmp_path / "update.csv"
    path.write_text("รหัสอำเภอ,วันที่,ประชากร,เข็ม 1,เข็ม 2\n5001,14/11/2564,161139,84000,75330\n")
    changed = await run_import(factory, path, options=Options("vaccination_coverage"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 0)
    assert (await rows(session))["5001"][2] == 84000
    assert await session.scalar(select(func.count()).select_from(Coverage)) == 25


async def test_villages_thai_digits_names_and_row_dates_are_read(factory, session, tmp_path):
    path = tmp_path / "villages.csv"
    path.write_text(
        "ตำบล,หมู่ที่,วันที่,ประชากร,เข็มที่ 1,เข็มที่ 2,เข็มที่ 3,เข็มกระตุ้น\n"
        '500101,๓,๑/๑๒/๒๕๖๔,"๑,๒๐๐",๙๐๐,๘๐๐,๑๐๐,๕\n'
        "กัลยาณิวัฒนา,,2021-12-01,500,400,300,0,0\n"
    )
    report = await run_import(factory, path, options=Options("vaccination_coverage"))
    assert (report.rows_ok, report.rows_failed) == (2, 0), report.errors
    found = await rows(session)
    assert found["50010103"] == (date(2021, 12, 1), 1200, 900, 800, 100, 5, "import")
    assert found["5025"][:3] == (date(2021, 12, 1), 500, 400)


async def test_bad_rows_are_named_by_column_and_nothing_is_written(factory, session, tmp_path):
    tomorrow = date.today() + timedelta(days=2)
    path = tmp_path / "bad.csv"
    path.write_text(
        "รหัสพื้นที่,หมู่ที่,วันที่,ประชากร,เข็ม 1\n"
        "500101,120,1/12/2564,10,5\n"  # village number out of 1–99
        "9999,,1/12/2564,10,5\n"  # no such district
        f"5001,,{tomorrow.day}/{tomorrow.month}/{tomorrow.year + 543},10,5\n"  # in the future
        "5001,,1/12/2564,10,-5\n"  # a negative count
        "5002,,1/12/2564,10,20\n"  # more first doses than people: kept with a warning
    )
    report = await run_import(factory, path, options=Options("vaccination_coverage"))
    assert (report.rows_failed, report.written) == (4, False)
    by_row = {p.row: p for p in report.errors}
    assert by_row[2].column == "หมู่ที่" and "120" in by_row[2].message
    assert by_row[3].column == "รหัสพื้นที่" and "9999" in by_row[3].message_th
    assert by_row[4].column == "วันที่" and "future" in by_row[4].message
    assert by_row[5].column == "เข็ม 1"
    assert [(w.row, w.column) for w in report.warnings] == [(6, "เข็ม 1")]
    assert await rows(session) == {}


async def test_a_file_without_a_date_says_where_to_write_one(factory, session, tmp_path):
    path = tmp_path / "undated.csv"
    path.write_text("รหัสอำเภอ,ประชากร,เข็ม 1\n5001,10,5\n")
    report = await run_import(factory, path, options=Options("vaccination_coverage"))
    assert report.rows_failed == 1
    assert "ข้อมูล ณ วันที่" in report.errors[0].message


async def test_a_coordinator_uploads_the_workbook_and_rows_outside_their_area_are_refused(
    client, session, factory, tmp_path
):
    headers = await staff(session, area="50")
    answer = await upload(client, headers, sample(WORKBOOK), kind="vaccination_coverage")
    assert answer.status_code == 202, answer.text
    await run_jobs(factory)
    done = (await client.get(f"/api/v1/imports/{answer.json()['id']}", headers=headers)).json()
    assert (done["status"], done["rows_ok"], done["created"]) == ("done", 25, 25)
    lamphun = tmp_path / "lamphun.csv"
    lamphun.write_text("รหัสอำเภอ,วันที่,ประชากร,เข็ม 1\n5101,1/12/2564,10,5\n")
    refused = await upload(client, headers, lamphun, kind="vaccination_coverage")
    await run_jobs(factory)
    report = (await client.get(f"/api/v1/imports/{refused.json()['id']}", headers=headers)).json()
    assert report["rows_failed"] == 1 and "outside your area" in report["errors"][0]["message"]
    assert len(await rows(session)) == 25
