"""Which rows make up an area's coverage, its trend dates, and hiding that agrees between an
area's own answer and its row in its parent's answer."""

from datetime import date

from jitasa.imports.service import Options, run_import
from jitasa.vaccination import coverage, doses
from jitasa.vaccination.coverage import Figures, Row
from tests.imports.conftest import sample
from tests.vaccination.helpers import VILLAGE, coordinator, resident
from tests.vaccination.test_coverage_privacy import _assert_kept_equals_direct, _items

IMPORTED = "2021-11-14"  # the workbook's date for every district of Chiang Mai
MUEANG = (161139, 83964, 75330)  # district 5001 in the workbook


def _counts(shown: dict) -> tuple:
    return shown["population"], shown["dose_1"], shown["dose_2"]


async def test_a_register_village_changes_no_area_with_imported_figures_above_it(
    client, session, factory
):
    workbook = sample("vaccine_coverage_chiangmai.xlsx")
    assert (await run_import(factory, workbook, options=Options("vaccination_coverage"))).created
    staff = await coordinator(session)
    made = []
    for serial in (51, 52, 53):
        answer = await client.post(
            "/api/v1/vaccination/residents", json=resident(serial), headers=staff
        )
        made.append(answer.json()["id"])
    for person, day in zip(made, ("2021-06-01", "2021-08-01", "2021-12-10"), strict=True):
        body = {"number": 1, "vaccine": "Pfizer", "given_on": day}
        path = f"/api/v1/vaccination/residents/{person}/doses"
        assert (await client.post(path, json=body, headers=staff)).status_code == 201

    province, districts = await _items(client, "50")
    assert [p["as_of"] for p in province["trend"]] == [IMPORTED]  # no dose date
    assert not any(p["suppressed"] for p in province["trend"])
    assert province["area"]["population"] == 3_202_707
    assert _counts(districts["5001"]) == MUEANG and not districts["5001"]["suppressed"]
    district, subdistricts = await _items(client, "5001")
    assert _counts(district["area"]) == MUEANG and not district["area"]["suppressed"]
    assert [(p["as_of"], p["population"]) for p in district["trend"]] == [(IMPORTED, MUEANG[0])]
    # a village counted from its register adds into nothing above it: its subdistrict has no
    # figure, no trend date, and nothing a public total less its parts could give away
    assert subdistricts.get("500101", {}).get("population") is None
    subdistrict, villages = await _items(client, "500101")
    assert subdistrict["area"] is None or subdistrict["area"]["population"] is None
    assert subdistrict["trend"] == []
    assert villages[VILLAGE]["suppressed"] and villages[VILLAGE]["population"] is None

    district, _ = await _items(client, "5001", staff)
    assert [(p["as_of"], p["population"]) for p in district["trend"]] == [(IMPORTED, MUEANG[0])]
    village, _ = await _items(client, VILLAGE, staff)
    assert (village["area"]["source"], village["area"]["dose_1"]) == ("register", 3)
    assert village["area"]["as_of"] == doses.today().isoformat()  # the day it was counted
    assert [p["as_of"] for p in village["trend"]][:3] == ["2021-06-01", "2021-08-01", "2021-12-10"]
    await _assert_kept_equals_direct(session)


async def test_an_areas_own_rows_alone_make_its_trend_whatever_the_dates_below_it(session):
    await coverage.store(
        session,
        [
            Row("50010101", date(2021, 6, 1), Figures(400, 100)),
            Row("50010102", date(2021, 6, 1), Figures(600, 300)),
            Row("5001", date(2021, 8, 15), Figures(5000, 2000)),
            Row("50010101", date(2021, 9, 9), Figures(400, 200)),
            Row("5002", date(2021, 7, 1), Figures(3000, 1000)),
        ],
    )
    await session.commit()
    district = await coverage.coverage_of(session, area="5001")
    assert [(p.as_of, p.population) for p in district.trend] == [(date(2021, 8, 15), 5000)]
    assert district.children["500101"].dose_1 == 500  # its villages still make it up
    province = await coverage.coverage_of(session, area="50")
    assert [(p.as_of, p.population, p.dose_1) for p in province.trend] == [
        (date(2021, 7, 1), 3000, 1000),  # 5001 has no figure before its own first row
        (date(2021, 8, 15), 8000, 3000),
    ]
    await _assert_kept_equals_direct(session)


async def test_figures_of_one_village_are_hidden_on_every_area_made_of_them(client, session):
    first, second = date(2021, 9, 1), date(2021, 10, 1)
    await coverage.store(
        session,
        [Row(VILLAGE, first, Figures(500, 300, 200)), Row(VILLAGE, second, Figures(500, 350))],
    )
    await session.commit()
    for area, parent in (("500101", "5001"), ("5001", "50"), ("50", "")):
        own, _ = await _items(client, area)
        assert own["area"]["suppressed"] and own["area"]["population"] is None
        assert all(p["suppressed"] for p in own["trend"])
        _, items = await _items(client, parent)  # the country's from the kept roll-up
        assert items[area]["suppressed"] and items[area]["dose_1"] is None
    staff = await coordinator(session)
    shown, _ = await _items(client, "5001", staff)
    assert _counts(shown["area"]) == (500, 350, 0)

    await coverage.store(session, [Row("50010104", second, Figures(300, 100, 50))])
    await session.commit()
    subdistrict, villages = await _items(client, "500101")  # two villages: a sum of both
    assert _counts(subdistrict["area"]) == (800, 450, 50)
    assert all(v["suppressed"] for v in villages.values() if v["population"] is not None)
    assert [p["suppressed"] for p in subdistrict["trend"]] == [True, False]  # 09-01: one village
    _, subdistricts = await _items(client, "5001")
    assert not subdistricts["500101"]["suppressed"]


async def test_a_register_village_elsewhere_is_not_the_difference_of_two_public_totals(
    client, session, factory
):
    workbook = sample("vaccine_coverage_chiangmai.xlsx")
    assert (await run_import(factory, workbook, options=Options("vaccination_coverage"))).created
    admin = await coordinator(session, "51")  # ลำพูน: no imported figures
    for serial in range(60, 72):  # twelve people of หมู่ 1, ต.ในเมือง, each given a dose
        body = resident(serial, subdistrict_code="510101", village_number=1)
        made = await client.post("/api/v1/vaccination/residents", json=body, headers=admin)
        assert made.status_code == 201, made.text
        dose = {"number": 1, "vaccine": "Pfizer", "given_on": "2021-10-01"}
        path = f"/api/v1/vaccination/residents/{made.json()['id']}/doses"
        assert (await client.post(path, json=dose, headers=admin)).status_code == 201

    country, provinces = await _items(client, "")
    province, districts = await _items(client, "50")
    assert country["area"]["population"] == province["area"]["population"] == 3_202_707
    assert country["area"]["dose_1"] == sum(d["dose_1"] for d in districts.values())
    assert [p["as_of"] for p in country["trend"]] == [IMPORTED]  # no dose's date either
    assert not provinces["50"]["suppressed"]  # no hidden sibling to shield
    assert provinces.get("51", {}).get("population") is None
    village, _ = await _items(client, "51010101", admin)
    assert (village["area"]["population"], village["area"]["dose_1"]) == (12, 12)
    await _assert_kept_equals_direct(session)
