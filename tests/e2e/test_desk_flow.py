"""A coordinator signs in, lands on the desk, gives a request past its limit to a volunteer
picked by name, watches the dashboard change live, and prints the morning report."""

from datetime import timedelta

import pytest
from playwright.async_api import expect

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.facilities import service as facilities_service
from jitasa.facilities.schemas import CapacityIn
from tests.e2e.conftest import ARTIFACTS
from tests.facilities.helpers import make_facility
from tests.help_requests.helpers import make_request, volunteer

pytestmark = pytest.mark.browser

COORDINATOR_PHONE = "0891234511"
PASSWORD = "district 5001 desk"


async def _named_volunteer(session, name: str, **profile):
    """Make a verified, available volunteer with a display name."""
    row, _headers = await volunteer(session, **profile)
    user = await session.get(User, row.user_id)
    user.display_name = name
    await session.commit()
    return row


async def test_a_coordinator_assigns_a_late_request_from_the_desk(
    page, problems, screenshot, viewport, session
):
    await accounts_service.save_user(
        session,
        phone="+66891234511",
        roles={Role.COORDINATOR},
        area_code="5001",
        display_name="ปลัดอำเภอเมืองเชียงใหม่",
        password=PASSWORD,
    )
    late = await make_request(session, category="food_supplies", urgency="urgent")
    late.created_at = utcnow() - timedelta(hours=6)
    late.sla_breached_at = utcnow() - timedelta(hours=5)
    await make_request(session, category="oxygen", urgency="red", lat=18.79, lon=98.99)
    await session.commit()
    await _named_volunteer(session, "สมศรี ใจดี", kind="vhv", vehicle="pickup")
    await _named_volunteer(session, "นายแดง มีรถ", home_lat=18.70, home_lon=98.95)
    hospital = await make_facility(
        session, name_th="โรงพยาบาลนครพิงค์", beds={"beds_yellow": (20, 6), "beds_red": (8, 1)}
    )
    doc = viewport == "desktop"

    # 1. The coordinator signs in and lands on the desk: the late request comes first.
    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill(COORDINATOR_PHONE)
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_url("**/desk")
    await expect(page.get_by_role("heading", level=1)).to_have_text("โต๊ะงานผู้ประสานงาน: เมืองเชียงใหม่")
    first = page.locator(".queue-item").first
    await expect(first).to_have_attribute("data-code", late.code)
    await expect(first.locator(".chip.sla")).to_have_text("เกินเวลาที่กำหนด")
    await expect(first).to_contain_text("รอมาแล้ว 6 ชม.")
    await expect(page.locator(".live-state")).to_have_text("อัปเดตสด")
    await screenshot("desk", doc_image="desk-th" if doc else None)

    # 2. They open it and give it to a volunteer picked by name, not by number.
    await first.locator(".queue-title").click()
    await page.wait_for_url(f"**/requests/{late.id}")
    choice = page.get_by_role("radio", name="สมศรี ใจดี")
    await expect(page.locator(".candidates li").first).to_contain_text("สมศรี ใจดี")
    await expect(page.locator(".candidates li").first).to_contain_text("อสม.")
    await choice.scroll_into_view_if_needed()
    await screenshot("assign", doc_image="desk-assign-th" if doc else None)
    await choice.check()
    await page.get_by_role("button", name="มอบหมาย").click()
    await expect(page.locator(".holder")).to_have_text("สมศรี ใจดี รับเรื่องอยู่")
    await expect(page.locator(".timeline")).to_contain_text("มอบให้ สมศรี ใจดี")

    # 3. The dashboard: nothing is past its limit now; a new request appears without reload.
    await page.goto("/dashboard")
    await expect(page.locator('[data-figure="past_sla"] strong')).to_have_text("0")
    open_count = page.locator('[data-figure="open"] strong')
    await expect(open_count).to_have_text("1")
    await expect(page.locator(".live-state")).to_have_text("อัปเดตสด")
    await make_request(session, category="food_supplies", urgency="normal")
    await expect(open_count).to_have_text("2")
    # The capacity board follows the hospital's numbers live too.
    yellow_free = page.locator(".capacity .beds-yellow .free")
    await expect(yellow_free).to_have_text("6")
    await facilities_service.set_capacity(
        session,
        facility_id=hospital.id,
        update={"beds_yellow": CapacityIn(total=20, available=4)},
        actor_id=None,
        via="test",
    )
    await session.commit()
    await expect(yellow_free).to_have_text("4")
    board = ARTIFACTS / "e2e" / f"capacity-board-{viewport}.png"
    await page.locator(".capacity").screenshot(path=str(board))
    await screenshot("dashboard", doc_image="dashboard-th" if doc else None)

    # 4. The morning report, as it prints.
    await page.goto("/dashboard/report")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("รายงานสถานการณ์ประจำวัน")
    await page.emulate_media(media="print")
    await expect(page.locator(".topbar")).to_be_hidden()
    await screenshot("report-print", doc_image="daily-report-th" if doc else None)
    pdf = ARTIFACTS / "e2e" / f"daily-report-{viewport}.pdf"
    await page.pdf(path=pdf, format="A4")
    assert pdf.stat().st_size > 10_000
    assert not problems, str(problems)
