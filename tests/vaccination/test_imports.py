"""The residents and vaccination_doses import kinds: bad rows named by their column."""

from sqlalchemy import func, select

from jitasa.core.db import create_session_factory
from jitasa.imports.service import Options, run_import
from jitasa.vaccination.models import Dose, Resident
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
