"""Dates of doses and of coverage figures: from Thailand's first vaccination to today, on every
path (the phone/API, the doses import, the coverage import); a dose without its earlier doses
is kept with a warning."""

from sqlalchemy import func, select

from jitasa.core.db import create_session_factory
from jitasa.imports.service import Options, run_import
from jitasa.vaccination.models import Coverage, Dose
from tests.vaccination.helpers import coordinator, national_id, resident

DOSE = {"number": 1, "vaccine": "Sinovac", "given_on": "2021-08-01", "place": "รพ.สต.ศรีภูมิ"}
DOSES_HEADER = "เลขประจำตัวประชาชน,เข็มที่,วัคซีน,วันที่ฉีด\n"


async def _dose_path(client, session, serial: int) -> tuple[str, dict]:
    headers = await coordinator(session)
    made = await client.post(
        "/api/v1/vaccination/residents", json=resident(serial), headers=headers
    )
    assert made.status_code == 201, made.text
    return f"/api/v1/vaccination/residents/{made.json()['id']}/doses", headers


async def test_phone_doses_before_the_first_vaccination_or_with_a_be_year_are_refused(
    client, session
):
    path, headers = await _dose_path(client, session, 21)
    answers = {
        day: await client.post(path, json={**DOSE, "given_on": day}, headers=headers)
        for day in ("1900-01-01", "1964-08-01", "2021-02-27", "2564-08-01", "1478-08-01")
    }
    for day, answer in answers.items():
        assert answer.status_code == 422, (day, answer.text)
        problem = answer.json()
        assert [e["field"] for e in problem["errors"]] == ["given_on"], day
        assert "given_on" in problem["detail"] and "วันที่ฉีด" in problem["detail_th"], day
    codes = {day: answer.json()["code"] for day, answer in answers.items()}
    assert codes == {
        "1900-01-01": "vaccination.before_first_dose",
        "1964-08-01": "vaccination.before_first_dose",
        "2021-02-27": "vaccination.before_first_dose",
        "2564-08-01": "vaccination.be_year",  # BE 2564 is CE 2021
        "1478-08-01": "vaccination.before_first_dose",  # CE 2021 taken as BE
    }
    assert "2021" in answers["2564-08-01"].json()["detail"]
    assert "ค.ศ. 2021" in answers["2564-08-01"].json()["detail_th"]
    assert "28 February 2021" in answers["1964-08-01"].json()["detail"]
    assert "given_on: 1 Aug 1964 is before" in answers["1964-08-01"].json()["detail"]
    assert "1 ส.ค. 2507" in answers["1964-08-01"].json()["detail_th"]  # BE 2507 is CE 1964
    assert await session.scalar(select(func.count()).select_from(Dose)) == 0
    first_day = await client.post(path, json={**DOSE, "given_on": "2021-02-28"}, headers=headers)
    assert first_day.status_code == 201, first_day.text


async def test_a_phone_dose_without_the_earlier_doses_is_kept_with_a_warning(client, session):
    path, headers = await _dose_path(client, session, 22)
    third = await client.post(
        path, json={**DOSE, "number": 3, "given_on": "2021-12-01"}, headers=headers
    )
    assert third.status_code == 201
    assert third.json()["warnings"] == ["Dose 3 is recorded but this person has no dose 1, 2 yet."]
    assert third.json()["warnings_th"] == ["บันทึกเข็มที่ 3 แล้ว แต่ยังไม่มีบันทึกเข็มที่ 1, 2 ของบุคคลนี้"]
    first = await client.post(path, json=DOSE, headers=headers)
    assert first.json()["warnings"] == []
    second = await client.post(
        path, json={**DOSE, "number": 2, "given_on": "2021-09-01"}, headers=headers
    )
    assert second.json()["warnings"] == []


async def test_imported_dose_dates_out_of_range_are_errors_naming_the_column(
    engine, session, tmp_path
):
    rows = [
        f"{national_id(61)},1,Sinovac,28/02/2564",  # the first day: kept
        f"{national_id(62)},1,Sinovac,27/02/2564",  # the day before
        f"{national_id(63)},1,Sinovac,01/08/1964",  # a CE year far too old
        f"{national_id(64)},1,Sinovac,2020-12-01",  # before the first vaccination
        f"{national_id(65)},1,Sinovac,01/08/2021",  # CE: kept
    ]
    path = tmp_path / "doses.csv"
    path.write_text(DOSES_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    factory = create_session_factory(engine)
    report = await run_import(
        factory, path, options=Options(kind="vaccination_doses", on_error="skip")
    )
    assert (report.created, report.rows_failed) == (2, 3)
    assert [(e.row, e.column) for e in report.errors] == [(3, "วันที่ฉีด"), (4, "วันที่ฉีด"), (5, "วันที่ฉีด")]
    assert "first COVID-19 vaccination" in report.errors[0].message
    assert "1964" in report.errors[1].message and "พ.ศ." in report.errors[1].message_th
    assert "ก่อนการฉีดวัคซีนโควิด-19 ครั้งแรก" in report.errors[2].message_th
    assert await session.scalar(select(func.count()).select_from(Dose)) == 2


async def test_imported_doses_missing_an_earlier_dose_warn_once_the_whole_file_is_read(
    engine, session, tmp_path
):
    factory = create_session_factory(engine)
    stored = tmp_path / "first.csv"
    stored.write_text(DOSES_HEADER + f"{national_id(71)},1,Sinovac,01/08/2564\n")
    assert (await run_import(factory, stored, options=Options("vaccination_doses"))).created == 1
    rows = [
        f"{national_id(71)},2,Sinovac,01/09/2564",  # row 2: dose 1 imported before
        f"{national_id(72)},2,Sinovac,01/09/2564",  # row 3: dose 1 in a later batch
        f"{national_id(73)},3,Sinovac,01/10/2564",  # row 4: no dose 1 nor 2 anywhere
        *(f"{national_id(1000 + n)},1,Pfizer,01/08/2564" for n in range(1000)),
        f"{national_id(72)},1,Sinovac,01/08/2564",  # row 1005
    ]
    path = tmp_path / "doses.csv"
    path.write_text(DOSES_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    report = await run_import(factory, path, options=Options("vaccination_doses"))
    assert (report.created, report.rows_failed) == (1004, 0)
    assert [(w.row, w.column, w.message) for w in report.warnings] == [
        (4, "เข็มที่", "Dose 3 is recorded but this person has no dose 1, 2 yet.")
    ]
    assert "ยังไม่มีบันทึกเข็มที่ 1, 2" in report.warnings[0].message_th


async def test_coverage_figures_dated_before_the_first_vaccination_are_refused(
    factory, session, tmp_path
):
    path = tmp_path / "old.csv"
    path.write_text(
        "รหัสอำเภอ,วันที่,ประชากร,เข็ม 1\n"
        "5001,01/01/2564,100,0\n"  # 2021-01-01: before 28 February 2021
        "5002,15/03/2564,100,3\n"  # kept
    )
    report = await run_import(
        factory, path, options=Options("vaccination_coverage", on_error="skip")
    )
    assert (report.rows_ok, report.rows_failed) == (1, 1)
    assert (report.errors[0].row, report.errors[0].column) == (2, "วันที่")
    # The date as people write it, never ISO: in Thai with its BE year.
    assert report.errors[0].message.startswith("As of: 1 Jan 2021 is before")
    assert "28 February 2021" in report.errors[0].message
    assert "1 ม.ค. 2564" in report.errors[0].message_th
    assert await session.scalar(select(func.count()).select_from(Coverage)) == 1
