"""`GET /api/v1/vaccination/coverage`: the workbook's numbers, roll-ups, trend, bad input."""

from datetime import date

from jitasa.imports.service import Options, run_import
from jitasa.vaccination import coverage
from jitasa.vaccination.coverage import Figures, Row
from tests.imports.conftest import sample
from tests.vaccination.helpers import coordinator

# Read by hand from vaccine_coverage_chiangmai.xlsx: population, dose 1, dose 2, dose 3.
WORKBOOK = {
    "5001": (161139, 83964, 75330, 7075), "5002": (111362, 66797, 41625, 6865),
    "5003": (45259, 34854, 25193, 2594), "5004": (108016, 65753, 44011, 5654),
    "5005": (239784, 191644, 159529, 28249), "5006": (143348, 114678, 91510, 11738),
    "5007": (60743, 34120, 26260, 2955), "5008": (62463, 38443, 30231, 2150),
    "5009": (207716, 169344, 141171, 21681), "5010": (183300, 110983, 98529, 14121),
    "5011": (44117, 25320, 17671, 2305), "5012": (125155, 78378, 51714, 3288),
    "5013": (91694, 51419, 39109, 3215), "5014": (248086, 198393, 177528, 31288),
    "5015": (20923, 11776, 9251, 1613), "5016": (104292, 76837, 48309, 8736),
    "5017": (16457, 8377, 6783, 1190), "5018": (33547, 23182, 17616, 2671),
    "5019": (156322, 90233, 67718, 5353), "5020": (75771, 52185, 41403, 5525),
    "5021": (210766, 118373, 71216, 7717), "5022": (187270, 101043, 84182, 14335),
    "5023": (162591, 87512, 71887, 12539), "5024": (246166, 205048, 133300, 16946),
    "5025": (156420, 111005, 95196, 11907),
}  # fmt: skip


async def test_every_district_of_chiang_mai_has_the_workbooks_numbers(client, factory):
    await run_import(
        factory, sample("vaccine_coverage_chiangmai.xlsx"), options=Options("vaccination_coverage")
    )
    answer = await client.get("/api/v1/vaccination/coverage", params={"area": "50"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    shown = {
        i["code"]: (i["population"], i["dose_1"], i["dose_2"], i["dose_3"]) for i in body["items"]
    }
    assert shown == WORKBOOK
    mueang = body["items"][0]
    assert (mueang["name_th"], mueang["level"], mueang["source"]) == (
        "เมืองเชียงใหม่",
        "district",
        "import",
    )
    assert (mueang["as_of"], mueang["as_of_th"]) == ("2021-11-14", "14 พ.ย. 2564")
    assert mueang["coverage"] == {"dose_1": 52.1, "dose_2": 46.7, "dose_3": 4.4, "booster": 0.0}
    # the province has no row of its own: the sum of its 25 districts
    province = body["area"]
    assert province["population"] == sum(v[0] for v in WORKBOOK.values()) == 3_202_707
    assert province["dose_1"] == sum(v[1] for v in WORKBOOK.values())
    assert (province["source"], province["name_en"]) == ("children", "Chiang Mai")
    assert [p["as_of"] for p in body["trend"]] == ["2021-11-14"]
    country = (await client.get("/api/v1/vaccination/coverage")).json()
    assert country["area"]["level"] == "country" and len(country["items"]) == 77
    chiang_mai = next(i for i in country["items"] if i["code"] == "50")
    assert chiang_mai["population"] == 3_202_707
    assert next(i for i in country["items"] if i["code"] == "10")["population"] is None


def figures(population, *doses):
    return Figures(population, *doses)


async def test_an_areas_own_row_wins_over_its_children_and_the_trend_rolls_up(client, session):
    d1, d2 = date(2021, 11, 1), date(2021, 12, 1)
    await coverage.store(
        session,
        [
            Row("50010101", d1, figures(100, 50)),
            Row("50010102", d1, figures(200, 100)),
            Row("50010102", d2, figures(200, 150)),
            Row("500102", d1, figures(1000, 400)),  # its villages' rows would be ignored
            Row("50010201", d2, figures(5, 5)),
        ],
        source="import",
    )
    await session.commit()
    staff = await coordinator(session)  # villages' figures are for area staff
    subdistrict = (
        await client.get("/api/v1/vaccination/coverage?area=500101", headers=staff)
    ).json()
    assert subdistrict["area"]["population"] == 300 and subdistrict["area"]["dose_1"] == 200
    villages = {i["code"]: i for i in subdistrict["items"]}
    assert villages["50010102"]["dose_1"] == 150 and villages["50010102"]["as_of"] == "2021-12-01"
    assert villages["50010101"]["name_th"].startswith("หมู่ที่ 1 ต.")
    assert [(p["as_of"], p["dose_1"]) for p in subdistrict["trend"]] == [
        ("2021-11-01", 150),
        ("2021-12-01", 200),
    ]
    district = (await client.get("/api/v1/vaccination/coverage?area=5001")).json()
    by_code = {i["code"]: i for i in district["items"]}
    assert by_code["500102"]["dose_1"] == 400 and by_code["500102"]["source"] == "import"
    assert district["area"]["dose_1"] == 600
    assert by_code["500103"]["population"] is None  # listed, without figures


async def test_a_kept_answer_is_made_again_after_any_row_inside_the_area_changes(session):
    day = date(2021, 12, 1)
    await coverage.store(session, [Row("50010103", day, figures(50, 10))], source="import")
    first = await coverage.coverage_of(session, area="")
    assert await coverage.coverage_of(session, area="") is first  # nothing changed: kept
    await coverage.store(session, [Row("50010103", day, figures(50, 11))])  # a changed row
    changed = await coverage.coverage_of(session, area="")
    assert (first.area.dose_1, changed.area.dose_1) == (10, 11)
    await coverage.store(session, [Row("50010104", day, figures(20, 2))], source="import")
    added = await coverage.coverage_of(session, area="")  # a new row
    assert (added.area.population, added.area.dose_1) == (70, 13)
    assert (await coverage.coverage_of(session, area="50")).area.dose_1 == 13


async def test_bad_areas_are_problems_in_thai_and_english(client):
    for area, status in [("abc", 422), ("501", 422), ("50010100", 422), ("99", 404), ("9901", 404)]:
        answer = await client.get("/api/v1/vaccination/coverage", params={"area": area})
        assert answer.status_code == status, (area, answer.text)
        problem = answer.json()
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert problem["detail"] and problem["detail_th"] != problem["detail"]
    malformed = (await client.get("/api/v1/vaccination/coverage?area=5x")).json()
    assert malformed["errors"][0]["field"] == "area"
