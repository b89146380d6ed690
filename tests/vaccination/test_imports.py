"""The residents and vaccination_doses import kinds: bad rows named by their column."""

from datetime import date

from sqlalchemy import func, select

from jitasa.core.db import create_session_factory
from jitasa.imports.service import Options, run_import
from jitasa.vaccination import coverage, followups
from jitasa.vaccination import doses as doses_service
from jitasa.vaccination.coverage import Figures, Row
from jitasa.vaccination.models import Coverage, Dose, Resident
from tests.vaccination.helpers import national_id

HEADER = "เลขประจำตัวประชาชน,รหัสตำบล,หมู่ที่,บ้านเลขที่,ชื่อ-สกุล,ปีเกิด,เพศ,ตั้งครรภ์\n"


async def test_residents_rows_with_bad_villages_and_years_are_errors_naming_the_column(
    engine, session, tmp_path
):
    rows = [
        f"{national_id(41)},500101,3,1,หนึ่ง,2490,ชาย,ไม่มี",  # good: BE 2490 is 1947
        f"{national_id(42)},500101,0,2,สอง,1950,หญิง,ไม่มี",  # village 0
        f"{national_id(43)},500101,100,3,สาม,1950,หญิง,ไม่มี",  # village 100
        f"{national_id(44)},509999,1,4,สี่,1950,หญิง,ไม่มี",  # no such subdistrict
        f"{national_id(45)},500101,3,5,ห้า,2100,หญิง,ไม่มี",  # neither CE nor BE
        f"{national_id(46)},500101,3,6,หก,1447,หญิง,ไม่มี",  # BE minus 543 twice: before 1900
        f"{national_id(47)},500101,3,7,เจ็ด,1990,หญิง,ใช่",  # good, CE, pregnant
    ]
    path = tmp_path / "register.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    factory = create_session_factory(engine)
    report = await run_import(factory, path, options=Options(kind="residents", on_error="skip"))
    assert (report.created, report.rows_failed) == (2, 5)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "หมู่ที่"),
        (4, "หมู่ที่"),
        (5, "รหัสตำบล"),
        (6, "ปีเกิด"),
        (7, "ปีเกิด"),
    ]
    assert "509999" in report.errors[2].message
    years = set(await session.scalars(select(Resident.birth_year)))
    assert years == {1947, 1990}
    again = await run_import(factory, path, options=Options(kind="residents", on_error="skip"))
    assert (again.created, again.unchanged) == (0, 2)


async def test_doses_import_twice_records_each_dose_once(engine, session, tmp_path):
    lines = ["เลขประจำตัวประชาชน,เข็มที่,วัคซีน,วันที่ฉีด,สถานที่ฉีด"] + [
        f"{national_id(serial)},{number},Sinovac,0{number}/08/2564,รพ.สต.ศรีภูมิ"
        for serial in range(50, 60)
        for number in (1, 2)
    ]
    path = tmp_path / "doses.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    factory = create_session_factory(engine)
    first = await run_import(factory, path, options=Options(kind="vaccination_doses"))
    second = await run_import(factory, path, options=Options(kind="vaccination_doses"))
    assert (first.created, second.created, second.unchanged) == (20, 0, 20)
    assert await session.scalar(select(func.count()).select_from(Dose)) == 20


async def test_imported_doses_count_in_their_villages_coverage_once_and_imports_win(
    engine, session, tmp_path
):
    register = tmp_path / "register.csv"
    people = [(41, 3), (42, 3), (43, 3), (44, 4)]  # (person, หมู่ที่) of ต.ศรีภูมิ 500101
    register.write_text(
        HEADER
        + "".join(f"{national_id(p)},500101,{v},{p},คน{p},1950,ชาย,ไม่มี\n" for p, v in people),
        encoding="utf-8",
    )
    factory = create_session_factory(engine)
    assert (await run_import(factory, register, options=Options(kind="residents"))).created == 4
    await coverage.store(
        session, [Row("50010104", date(2021, 8, 10), Figures(50, 10, 5))], source="import"
    )  # official figures of หมู่ 4: they win over its register
    await session.commit()
    doses = tmp_path / "doses.csv"
    given = [
        (41, 1, "01/08/2564"),
        (42, 1, "01/08/2564"),
        (41, 2, "02/08/2564"),
        (44, 1, "02/08/2564"),
        (99, 1, "02/08/2564"),
    ]  # fmt: skip  (99: in no register)
    doses.write_text(
        "เลขประจำตัวประชาชน,เข็มที่,วัคซีน,วันที่ฉีด\n"
        + "".join(f"{national_id(p)},{n},Sinovac,{day}\n" for p, n, day in given),
        encoding="utf-8",
    )
    for _ in range(2):  # the second import stores no dose, so it counts none
        await run_import(factory, doses, options=Options(kind="vaccination_doses"))
    session.expire_all()
    rows = await session.execute(
        select(Coverage.area_code, Coverage.as_of, Coverage.population, Coverage.dose_1,
               Coverage.dose_2, Coverage.source).order_by(Coverage.area_code, Coverage.as_of)
    )  # fmt: skip
    assert rows.all() == [
        ("50010103", date(2021, 8, 1), 3, 2, 0, "register"),
        ("50010103", date(2021, 8, 2), 3, 2, 1, "register"),
        ("50010103", doses_service.today(), 3, 2, 1, "register"),  # the day it was counted
        ("50010104", date(2021, 8, 10), 50, 10, 5, "import"),
    ]
    answer = await coverage.coverage_of(session, area="500101")
    # หมู่ 4's official figures; หมู่ 3's register counts stay the village's own
    assert (answer.area.population, answer.area.dose_1, answer.area.dose_2) == (50, 10, 5)
    assert answer.children["50010103"].population == 3
    register = await followups.summaries(session, area_code="50010103")
    village = register["villages"][0]
    assert (village["residents"], village["dose_1"], village["dose_2"]) == (3, 2, 1)
