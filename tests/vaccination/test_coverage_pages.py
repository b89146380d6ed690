"""The coverage page: table with drill-down, a district map with a legend and BE date, trend."""

from datetime import date

from jitasa.imports.service import Options, run_import
from jitasa.vaccination import coverage
from jitasa.vaccination.coverage import Figures, Row
from tests.imports.conftest import sample


async def test_the_chiang_mai_page_maps_25_districts_with_a_legend_and_the_be_date(
    client, factory, session
):
    await run_import(
        factory, sample("vaccine_coverage_chiangmai.xlsx"), options=Options("vaccination_coverage")
    )
    await coverage.store(
        session, [Row("5001", date(2021, 10, 1), Figures(161139, 60000, 40000))], source="import"
    )
    await session.commit()
    page = await client.get("/vaccination?area=50")
    assert page.status_code == 200
    html = page.text
    assert "ข้อมูล ณ วันที่ 14 พ.ย. 2564" in html
    assert html.count('<tr data-code="50') == 25
    assert '<a href="/vaccination?area=5001">เมืองเชียงใหม่</a>' in html
    assert "83,964" in html and "161,139" in html
    assert html.count("<path ") == 25  # every district's boundary, coloured
    assert "เมืองเชียงใหม่: 46.7%" in html and "ไม่มีข้อมูล" in html  # a legend entry
    assert "1 ต.ค. 2564" in html  # the trend's first date
    english = (await client.get("/vaccination?area=50&lang=en")).text
    assert "Data as of 14 Nov 2021" in english and "<td>14 Nov 2021</td>" in english
    assert "1 Oct 2021</text>" in english and "2564" not in english
    # the trend's last date runs inwards from its dot: never clipped at the chart's edge
    assert 'text-anchor="end" fill="#' in english.split("14 Nov 2021</text>")[0][-90:]


async def test_a_district_drills_down_and_the_english_page_reads_in_english(client):
    page = await client.get("/vaccination?area=5001&lang=en")
    assert page.status_code == 200
    assert "No coverage figures for this area yet." in page.text
    assert "Chiang Mai" in page.text
    missing = await client.get("/vaccination?area=99")
    assert missing.status_code == 404
