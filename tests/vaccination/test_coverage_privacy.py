"""Public coverage hides small groups; a village's figures come from one source; the kept
roll-up of the provinces equals a direct roll-up."""

import asyncio
from datetime import date

from sqlalchemy import select

from jitasa.core.db import create_session_factory
from jitasa.imports.service import Options, run_import
from jitasa.vaccination import coverage, residents
from jitasa.vaccination.coverage import Figures, Row
from jitasa.vaccination.models import Coverage, CoverageRollup
from jitasa.web.vaccination_pages import HIDDEN
from tests.imports.conftest import sample
from tests.vaccination.helpers import VILLAGE, coordinator, national_id, resident, vhv

DAY = date(2021, 12, 1)
API = "/api/v1/vaccination/coverage"


async def _items(client, area: str, headers=None) -> tuple[dict, dict]:
    answer = await client.get(API, params={"area": area}, headers=headers or {})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return body, {i["code"]: i for i in body["items"]}


async def test_public_readers_see_no_village_nor_small_group_and_area_staff_and_the_vhv_do(
    client, session
):
    await coverage.store(
        session,
        [
            Row("500101", DAY, Figures(300, 200, 150)),
            Row("500102", DAY, Figures(1000, 400)),
            Row("500103", DAY, Figures(4, 1)),  # four people, one vaccinated: identifiable
            Row(VILLAGE, DAY, Figures(50, 10, 5)),
        ],
    )
    await session.commit()
    district, items = await _items(client, "5001")
    assert items["500103"]["suppressed"] and items["500103"]["population"] is None
    assert items["500103"]["coverage"]["dose_1"] is None
    # the district less the others would tell 500103: the smallest other one is hidden too
    assert items["500101"]["suppressed"] and not items["500102"]["suppressed"]
    assert district["area"]["population"] == 1304 and not district["area"]["suppressed"]
    subdistrict, villages = await _items(client, "500101")
    assert subdistrict["area"]["suppressed"]  # as on its row in the district's answer
    assert all(p["suppressed"] for p in subdistrict["trend"])
    assert villages[VILLAGE]["suppressed"] and villages[VILLAGE]["dose_1"] is None
    village, _ = await _items(client, VILLAGE)
    assert village["area"]["suppressed"] and all(p["suppressed"] for p in village["trend"])
    assert village["area"]["as_of"] == "2021-12-01"  # the date is no health data

    staff = await coordinator(session)
    _, seen = await _items(client, "5001", staff)
    assert not any(i["suppressed"] for i in seen.values())
    assert seen["500103"]["population"] == 4
    subdistrict, _ = await _items(client, "500101", staff)
    assert subdistrict["area"]["population"] == 300  # its own imported row, not a village's
    mine = await vhv(session)  # the verified อสม. of VILLAGE
    _, own = await _items(client, "500101", mine)
    assert own[VILLAGE]["dose_1"] == 10 and not own[VILLAGE]["suppressed"]
    _, others = await _items(client, "5001", mine)
    assert others["500103"]["suppressed"]

    page = await client.get("/vaccination?area=5001")
    assert page.status_code == 200
    row = page.text.split('data-code="500103"')[1].split("</tr>")[0]
    assert "suppressed" in row and "น้อยกว่า 10 คน" in row and ">4<" not in row
    await coverage.store(session, [Row("5002", DAY, Figures(6, 2))])  # a district of six
    await session.commit()
    province = await client.get("/vaccination?area=50")
    assert f'fill="{HIDDEN}"' in province.text  # its map shape, and the legend says why
    assert ": ซ่อนไว้: น้อยกว่า 10 คน</title>" in province.text


async def test_a_villages_public_figures_come_from_its_register_until_imported_ones_win(
    client, session
):
    staff = await coordinator(session)
    made = {}
    for serial in (31, 32, 33):
        answer = await client.post(
            "/api/v1/vaccination/residents", json=resident(serial), headers=staff
        )
        made[serial] = answer.json()["id"]

    async def dose(serial: int, number: int, day: str) -> None:
        path = f"/api/v1/vaccination/residents/{made[serial]}/doses"
        body = {"number": number, "vaccine": "Pfizer", "given_on": day}
        assert (await client.post(path, json=body, headers=staff)).status_code == 201

    await dose(31, 1, "2021-08-01")
    await dose(31, 2, "2021-09-01")
    await dose(32, 2, "2021-09-01")  # no dose 1 recorded: has had a first dose all the same
    await dose(31, 4, "2021-12-01")
    await dose(31, 5, "2022-01-01")  # a second booster: one person still
    village, _ = await _items(client, VILLAGE, staff)
    shown = village["area"]
    assert shown["source"] == "register"
    assert [shown[c] for c in ("population", "dose_1", "dose_2", "dose_3", "booster")] == [
        3, 2, 2, 1, 1,
    ]  # fmt: skip
    register = await client.get(
        "/api/v1/vaccination/register-figures", params={"area": VILLAGE}, headers=staff
    )
    counted = register.json()["villages"][0]
    assert [counted[c] for c in ("residents", "dose_1", "dose_2", "dose_3")] == [3, 2, 2, 1]
    assert [(p["as_of"], p["dose_1"], p["dose_2"]) for p in village["trend"]][:2] == [
        ("2021-08-01", 1, 0),
        ("2021-09-01", 2, 2),
    ]

    await coverage.store(session, [Row(VILLAGE, date(2021, 10, 1), Figures(120, 90, 80))])
    await session.commit()
    await dose(33, 1, "2021-11-01")  # the register changes; the public figures do not
    village, _ = await _items(client, VILLAGE, staff)
    assert (village["area"]["source"], village["area"]["population"]) == ("import", 120)
    session.expire_all()
    sources = set(
        await session.scalars(select(Coverage.source).where(Coverage.area_code == VILLAGE))
    )
    assert sources == {"import"}


async def _assert_kept_equals_direct(session) -> None:
    session.expire_all()
    kept = await coverage.coverage_of(session, area="")
    direct = await coverage.direct_answer(session, area="")
    assert kept == direct
    for province in {r for r in await session.scalars(select(CoverageRollup.area_code))}:
        rows = await session.execute(
            select(CoverageRollup.as_of, CoverageRollup.population, CoverageRollup.dose_1)
            .where(CoverageRollup.area_code == province)
            .order_by(CoverageRollup.as_of)
        )
        trend = (await coverage.direct_answer(session, area=province)).trend
        assert rows.all() == [(p.as_of, p.population, p.dose_1) for p in trend]


async def test_the_kept_rollup_equals_a_direct_rollup_after_imports_and_doses(
    engine, client, session, tmp_path
):
    factory = create_session_factory(engine)
    workbook = sample("vaccine_coverage_chiangmai.xlsx")
    assert (await run_import(factory, workbook, options=Options("vaccination_coverage"))).created
    await coverage.store(
        session,
        [Row("500101", date(2021, 9, 1), Figures(900, 300)), Row("10", DAY, Figures(5000, 10))],
    )
    await session.commit()
    await _assert_kept_equals_direct(session)

    register = tmp_path / "register.csv"
    register.write_text(
        "เลขประจำตัวประชาชน,รหัสตำบล,หมู่ที่,บ้านเลขที่,ชื่อ-สกุล,ปีเกิด,เพศ\n"
        + "".join(f"{national_id(p)},500101,{v},{p},คน{p},1950,ชาย\n" for p, v in
                  [(81, 3), (82, 3), (83, 5), (84, 5)]),
        encoding="utf-8",
    )  # fmt: skip
    assert (await run_import(factory, register, options=Options("residents"))).created == 4
    doses = tmp_path / "doses.csv"
    doses.write_text(
        "เลขประจำตัวประชาชน,เข็มที่,วัคซีน,วันที่ฉีด\n"
        + "".join(f"{national_id(p)},{n},Sinovac,{d}\n" for p, n, d in
                  [(81, 1, "01/07/2564"), (82, 1, "02/07/2564"), (81, 2, "01/08/2564"),
                   (83, 1, "01/07/2564")]),
        encoding="utf-8",
    )  # fmt: skip
    assert (await run_import(factory, doses, options=Options("vaccination_doses"))).created == 4
    await _assert_kept_equals_direct(session)
    staff = await coordinator(session)
    path = f"/api/v1/vaccination/residents/{(await _resident_id(client, staff, 84))}/doses"
    body = {"number": 1, "vaccine": "Pfizer", "given_on": "2021-12-15"}
    assert (await client.post(path, json=body, headers=staff)).status_code == 201
    await _assert_kept_equals_direct(session)
    await residents.delete_person(session, national_id=national_id(83), reason="PDPA request")
    await session.commit()
    await _assert_kept_equals_direct(session)
    country = await coverage.coverage_of(session, area="")
    assert country.children["50"].population > 0 and "10" in country.children


async def _resident_id(client, headers, serial: int) -> int:
    listed = await client.get(
        "/api/v1/vaccination/residents", params={"area": "50010105"}, headers=headers
    )
    return next(r["id"] for r in listed.json()["items"] if r["household"] == str(serial))


async def test_two_changes_in_one_province_at_once_wait_for_each_other(factory):
    async with factory() as seed:
        await coverage.store(seed, [Row("500101", DAY, Figures(100, 50))])
        await seed.commit()

    async def change(session, code: str, people: int) -> None:
        await coverage.store(session, [Row(code, DAY, Figures(100, people))])
        await session.commit()

    async with factory() as first, factory() as second:
        await coverage.store(first, [Row("500101", DAY, Figures(100, 60))])  # remade, held
        later = asyncio.create_task(change(second, "500102", 70))  # the same province
        await asyncio.sleep(0.5)
        assert not later.done()  # it waits for the first transaction
        await first.commit()
        await later
    async with factory() as session:
        await _assert_kept_equals_direct(session)
        assert (await coverage.coverage_of(session, area="")).area.dose_1 == 130
