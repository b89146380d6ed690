"""The dashboard and daily report pages: the area's figures, drill-down, BE date, refusals."""

from datetime import date, datetime, time, timedelta

from jitasa.core.thai import BANGKOK
from jitasa.core.words import Role
from jitasa.vaccination import coverage
from jitasa.vaccination.coverage import Figures, Row
from jitasa.web.desk_views import short_day
from tests.dashboard.helpers import HTML, aged
from tests.help_requests.helpers import CHOM_THONG
from tests.help_requests.test_request_pages import sign_in


async def test_dashboard_shows_the_areas_figures_and_drills_down(client, session):
    late = await aged(session, minutes=300, past_sla=True)
    await aged(session, minutes=20, **CHOM_THONG)
    await aged(session, minutes=20, status="resolved")
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")

    page = await client.get("/dashboard", headers=HTML)

    assert page.status_code == 200
    text = page.text
    assert "แดชบอร์ด: เชียงใหม่" in text
    assert f'data-code="{late.code}"' in text  # the past-limit list
    assert '<a href="/dashboard?area=5001">เมืองเชียงใหม่</a>' in text  # drill down
    assert '<tr data-code="5002"><td><a href="/dashboard?area=5002">จอมทอง</a></td>' in text
    assert text.count('<svg class="chart"') == 2 and "<title>" in text
    district = await client.get("/dashboard?area=5002", headers=HTML)
    assert "แดชบอร์ด: จอมทอง" in district.text and late.code not in district.text


async def test_daily_report_is_dated_in_the_buddhist_era_and_printable(client, session):
    await aged(session, minutes=300, past_sla=True)
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    page = await client.get("/dashboard/report?area=5001&date=2026-11-25", headers=HTML)
    assert page.status_code == 200
    assert "รายงานสถานการณ์ประจำวัน: เมืองเชียงใหม่" in page.text
    assert "25 พฤศจิกายน 2569" in page.text
    assert "css/report.css" in page.text
    english = await client.get("/dashboard/report?area=5001&date=2026-11-25&lang=en", headers=HTML)
    assert "25 November 2026" in english.text and "พฤศจิกายน" not in english.text
    # A past day says which figures are that day's and which are now's; today needs no note.
    assert "every other figure is as it stands now" in english.text
    assert "ตัวเลขอื่นทั้งหมดเป็นตัวเลข ณ ตอนนี้" in page.text
    assert "chart" not in english.text and "กราฟ" not in page.text  # the report has none
    today = await client.get("/dashboard/report?area=5001&lang=en", headers=HTML)
    assert today.status_code == 200 and "as it stands now" not in today.text


async def test_dashboard_refuses_outside_scope_unknown_area_and_bad_date(client, session):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    for path, status in (
        ("/dashboard?area=5002", 403),
        ("/dashboard/report?area=5002", 403),
        ("/dashboard?area=5099", 404),
        ("/dashboard/report?date=25-11-2569", 422),
    ):
        assert (await client.get(path, headers=HTML)).status_code == status, path


def test_charts_escape_their_words_and_label_every_value():
    from jitasa.dashboard import charts

    drawn = charts.bars("<b>", [("a<script>", 5, "5 min"), ("none", None, "–")])
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn
    assert drawn.count("<rect") == 2 and 'role="img"' in drawn and "5 min" in drawn
    line = charts.line("open", [("24", 3), ("25", 0)])
    assert line.count("<circle") == 2 and ">3</text>" in line and ">0</text>" in line


async def test_no_heading_names_a_unit_its_values_are_not_in(client, session):
    await aged(session, minutes=150, status="resolved")
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    for path in ("/dashboard?lang=en", "/dashboard/report?lang=en"):
        page = await client.get(path, headers=HTML)
        assert page.status_code == 200
        # Durations read "2 h 30 min" or "3 days": no heading may promise minutes or hours.
        assert "(minutes)" not in page.text and "(hours)" not in page.text, path
    page = await client.get("/dashboard?lang=en", headers=HTML)
    assert "<h2>Time to claim</h2>" in page.text


async def test_daily_report_shows_the_areas_vaccination_coverage_as_known_that_day(client, session):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    empty = await client.get("/dashboard/report?area=5001&date=2026-11-25", headers=HTML)
    assert "ความครอบคลุมการฉีดวัคซีน" not in empty.text  # no figures: no section
    await coverage.store(
        session,
        [
            Row("500101", date(2021, 11, 14), Figures(1000, 800, 600, 100, 0)),
            Row("500102", date(2021, 11, 20), Figures(3000, 2000, 1800, 300, 10)),
        ],
        source="import",
    )
    await session.commit()
    page = await client.get("/dashboard/report?area=5001&date=2026-11-25", headers=HTML)
    section = page.text.split("ความครอบคลุมการฉีดวัคซีน", 1)[1]
    assert "4,000" in section  # population of both subdistricts
    assert '<td class="n" data-dose="dose_2">2,400 (60.0%)</td>' in section
    assert '<td class="n" data-dose="booster">10 (0.2%)</td>' in section
    assert "ข้อมูล ณ วันที่ 20 พ.ย. 2564" in section
    before = await client.get("/dashboard/report?area=5001&date=2021-11-15", headers=HTML)
    section = before.text.split("ความครอบคลุมการฉีดวัคซีน", 1)[1]
    assert '<td class="n" data-dose="dose_1">800 (80.0%)</td>' in section  # 500101 only
    assert "ข้อมูล ณ วันที่ 14 พ.ย. 2564" in section


async def test_the_curve_names_each_point_by_the_day_it_ends(client, session):
    # Each point is at the midnight ending its day; it was named by the next day's date.
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    asked = datetime.now(BANGKOK).date() - timedelta(days=10)
    page = await client.get(f"/dashboard?date={asked.isoformat()}", headers=HTML)
    assert page.status_code == 200
    chart = page.text.split('<svg class="chart"')[1]  # the first chart: the curve
    noon = datetime.combine(asked, time(12), tzinfo=BANGKOK)
    named = [short_day(noon - timedelta(days=k), "th") for k in range(6, -1, -1)]
    assert [label for label in named if f">{label}<" in chart] == named
    assert f">{short_day(noon + timedelta(days=1), 'th')}<" not in chart


async def test_a_refused_query_names_its_field_on_the_page(client, session):
    # A date or area the page refused was named "Form" (แบบฟอร์ม), which told nothing.
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    future = datetime.now(BANGKOK).date() + timedelta(days=5)
    report = await client.get(f"/dashboard/report?area=50&date={future}", headers=HTML)
    desk = await client.get("/desk?area=abc", headers=HTML)
    assert (report.status_code, desk.status_code) == (422, 422)
    assert "วันที่" in report.text and "พื้นที่" in desk.text
    assert "แบบฟอร์ม" not in report.text + desk.text
