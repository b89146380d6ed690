"""Every sample file imports with the counts written here by hand; twice changes nothing."""

import pytest
from sqlalchemy import func, select

from jitasa.accounts.models import User
from jitasa.facilities.models import Capacity, Facility, FacilityChange
from jitasa.help_requests.models import HelpRequest
from jitasa.imports.service import Options, run_import
from jitasa.volunteers.models import Volunteer
from tests.imports.conftest import sample


async def count(session, model, *where) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_the_chiang_mai_hospitals_csv_imports_25_with_beds(factory, session):
    report = await run_import(
        factory, sample("facilities_chiangmai.csv"), options=Options("facilities")
    )
    assert (report.rows_total, report.rows_ok, report.rows_failed) == (25, 25, 0)
    assert (report.created, report.written, report.encoding) == (25, True, "utf-8-sig")
    assert report.errors == [] and report.warnings == []
    assert await count(session, Facility) == 25
    assert await count(session, Facility, Facility.type == "field_hospital") == 2
    maharaj = await session.scalar(select(Facility).where(Facility.external_id == "10713"))
    assert maharaj.name_th == "โรงพยาบาลมหาราชนครเชียงใหม่"
    assert (maharaj.lat, maharaj.lon, maharaj.area_code[:4]) == (18.789, 98.974, "5001")
    assert maharaj.phone == "053 100 200"
    assert (maharaj.free_green, maharaj.free_yellow, maharaj.free_red) == (17, 16, 11)
    # "ข้อมูล ณ วันที่ 10/11/2564" is when the numbers were true: 10 Nov 2021 in Bangkok
    assert maharaj.updated_at.isoformat() == "2021-11-09T17:00:00+00:00"
    assert await count(session, Capacity) == 25 * 3


async def test_the_same_file_twice_changes_nothing_the_second_time(factory, session):
    await run_import(factory, sample("facilities_chiangmai.csv"), options=Options("facilities"))
    history = await count(session, FacilityChange)
    again = await run_import(
        factory, sample("facilities_chiangmai.csv"), options=Options("facilities")
    )
    assert (again.created, again.updated, again.unchanged) == (0, 0, 25)
    assert await count(session, FacilityChange) == history
    assert await count(session, Facility) == 25


async def test_a_dry_run_checks_everything_and_writes_nothing(factory, session):
    report = await run_import(
        factory, sample("facilities_chiangmai.csv"), options=Options("facilities", dry_run=True)
    )
    assert (report.rows_ok, report.created, report.written) == (25, 25, False)
    assert await count(session, Facility) == 0


async def test_the_cp874_vaccination_points_with_thai_digits_import_15(factory, session):
    report = await run_import(
        factory, sample("vaccination_points_cp874.csv"), options=Options("facilities")
    )
    assert (report.rows_total, report.rows_ok, report.created) == (15, 15, 15)
    assert report.encoding == "cp874"
    assert report.columns == {"จุดฉีดวัคซีน": "name_th", "อำเภอ": "district", "พิกัด": "coordinates"}
    unused = sorted(w.column for w in report.warnings)
    assert unused == ["จำนวนโดสต่อวัน", "ลำดับ", "วัคซีน", "เปิดวันที่"]
    assert await count(session, Facility, Facility.type == "vaccination_point") == 15
    fang = await session.scalar(select(Facility).where(Facility.name_th.contains("รพ.ฝาง")))
    assert (fang.lat, fang.lon) == (19.9207, 99.2114)


async def test_the_my_maps_kml_imports_2_field_hospitals_with_phones(factory, session):
    report = await run_import(factory, sample("field_hospitals.kml"), options=Options("facilities"))
    assert (report.rows_total, report.rows_ok, report.created) == (2, 2, 2)
    assert report.columns["folder"] == "type" and report.columns["โทร"] == "phone"
    rows = (await session.scalars(select(Facility).order_by(Facility.name_th))).all()
    assert [(f.type, f.phone) for f in rows] == [
        ("field_hospital", "053 324 424"),
        ("field_hospital", "053 323 423"),
    ]
    assert (rows[1].lat, rows[1].lon) == (18.802, 98.952)


async def test_the_geojson_imports_8_and_then_names_the_csv_hospitals_in_english(factory, session):
    report = await run_import(factory, sample("facilities.geojson"), options=Options("facilities"))
    assert (report.rows_total, report.created) == (8, 8)
    await run_import(factory, sample("facilities_chiangmai.csv"), options=Options("facilities"))
    # the CSV's hospital codes are the GeoJSON's external ids: 8 updated in place, 17 new
    assert await count(session, Facility) == 25
    again = await run_import(factory, sample("facilities.geojson"), options=Options("facilities"))
    assert (again.created, again.unchanged) == (0, 8)
    maharaj = await session.scalar(select(Facility).where(Facility.external_id == "10713"))
    assert maharaj.name_en == "Maharaj Nakorn Chiang Mai Hospital"


@pytest.mark.parametrize("on_error", ["abort", "skip"])
async def test_capacity_of_a_facility_not_imported_is_refused_by_row(
    factory, session, tmp_path, on_error
):
    await run_import(factory, sample("facilities.geojson"), options=Options("facilities"))
    path = tmp_path / "beds.csv"
    path.write_text("รหัสหน่วยบริการ,เตียงเขียวทั้งหมด,เตียงเขียวว่าง\n10713,50,20\n99999,10,1\n", "utf-8")
    report = await run_import(
        factory, path, options=Options("facility_capacity", on_error=on_error)
    )
    assert (report.rows_total, report.rows_failed) == (2, 1)
    assert [(p.row, p.column, p.value) for p in report.errors] == [(3, "รหัสหน่วยบริการ", "99999")]
    assert "import the facility first" in report.errors[0].message
    maharaj = await session.scalar(select(Facility).where(Facility.external_id == "10713"))
    assert maharaj.free_green == (20 if on_error == "skip" else 0)
    assert report.written is (on_error == "skip")


async def test_the_hotline_sheet_imports_30_requests_blank_colours_as_yellow(factory, session):
    report = await run_import(factory, sample("requests_hotline.csv"), options=Options("requests"))
    assert (report.rows_total, report.rows_ok, report.rows_failed) == (30, 30, 0), report.errors
    assert report.created == 30 and report.written
    # 7 rows have no colour: 5 medical needs (kept as yellow, said so), 2 for food (normal);
    # row 29 gives food a triage colour (yellow): recorded as urgent, said so
    assert [w.row for w in report.warnings] == [9, 15, 20, 21, 27, 29]
    assert await count(session, HelpRequest) == 30
    first = await session.scalar(select(HelpRequest).order_by(HelpRequest.id).limit(1))
    assert (first.category, first.urgency, first.people_count) == ("covid_test", "green", 4)
    assert first.contact_phone == "+66895426262" and first.contact_name == "สมชาย แก้วมา"
    assert first.description.startswith("รับแจ้ง 1 ส.ค. 2564")
    food = await session.scalars(
        select(HelpRequest.urgency).where(HelpRequest.category == "food_supplies")
    )
    assert sorted(food) == ["normal", "normal", "urgent"]
    again = await run_import(factory, sample("requests_hotline.csv"), options=Options("requests"))
    assert (again.created, again.unchanged) == (0, 30)
    assert await count(session, HelpRequest) == 30


async def test_the_vhv_roster_imports_40_volunteers_in_their_subdistrict(factory, session):
    report = await run_import(factory, sample("volunteers_vhv.csv"), options=Options("volunteers"))
    assert (report.rows_total, report.rows_ok, report.rows_failed) == (40, 40, 0), report.errors
    assert report.created == 40
    volunteers = (await session.scalars(select(Volunteer))).all()
    assert len(volunteers) == 40
    assert {v.kind for v in volunteers} == {"vhv"}
    assert {v.area_code for v in volunteers} == {"501401"}  # ต.สันทรายหลวง อ.สันทราย
    assert sum(v.vehicle == "car" for v in volunteers) == 17  # "มี" in มีรถ
    phones = set(await session.scalars(select(User.phone)))
    # four usual forms, one number each
    assert {"+66821013301", "+66898782429", "+66856843763", "+66811290557"} <= phones
    again = await run_import(factory, sample("volunteers_vhv.csv"), options=Options("volunteers"))
    assert (again.created, again.unchanged) == (0, 40)
