"""Staff change a hospital's free beds on their phone; the map's popup shows the new numbers."""

import pytest
from playwright.async_api import expect

from jitasa.core.words import Role
from jitasa.facilities import service
from jitasa.facilities.schemas import CapacityIn
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_live_map import make_person, open_map, sign_in
from tests.facilities.helpers import MAHARAJ, make_facility

pytestmark = pytest.mark.browser
HOSPITAL_VIEW = (MAHARAJ["lat"], MAHARAJ["lon"], 15)


async def test_staff_change_free_beds_and_the_map_popup_shows_them(
    page, other_page, live_server, session, problems, viewport
):
    facility = await make_facility(
        session, name_en="Maharaj Nakorn Chiang Mai Hospital", beds={"beds_yellow": (26, 16)}
    )
    staff = await make_person(session, name="สสจ.", roles=[Role.COORDINATOR], area_code="5001")
    await sign_in(other_page, live_server, staff)
    await other_page.goto(f"/facilities/{facility.id}/capacity")
    minus = other_page.locator('[data-for="beds_yellow.available"][data-step="-1"]')
    for _ in range(3):
        await minus.click()
    await expect(other_page.locator('[id="beds_yellow.available"]')).to_have_value("13")
    await other_page.locator("#save-numbers").click()
    await expect(other_page.locator(".flash")).to_have_text("บันทึกตัวเลขแล้ว")
    await expect(other_page.locator(".resource-beds_yellow .free")).to_have_text("13")

    await page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    await open_map(page, "/", HOSPITAL_VIEW)
    marker = page.locator(".facility-marker.point.type-hospital")
    await expect(marker).to_have_count(1)
    await expect(marker).to_have_attribute(
        "aria-label", "Maharaj Nakorn Chiang Mai Hospital (Hospital). Open for free beds and phone."
    )
    await marker.click()
    popup = page.locator(".facility-popup")
    await expect(popup.locator(".resource-beds_yellow .free")).to_have_text("13")
    await expect(popup.locator(".freshness")).to_have_text("updated just now")
    await expect(popup.locator(".facility-phone")).to_have_text("☎ 053-100-200")
    await page.screenshot(path=str(ARTIFACTS / "e2e" / f"facility-popup-{viewport}.png"))
    assert not problems, str(problems)


async def test_an_open_popup_and_the_markers_follow_a_capacity_change_live(
    page, live_server, session, problems, viewport
):
    facility = await make_facility(
        session, name_en="Nakornping Hospital", beds={"beds_yellow": (20, 5)}
    )
    await page.context.add_cookies([{"name": "lang", "value": "en", "url": live_server}])
    await open_map(page, "/", HOSPITAL_VIEW)
    await page.locator(".facility-marker.point.type-hospital").click()
    free = page.locator(".facility-popup .resource-beds_yellow .free")
    await expect(free).to_have_text("5")

    await service.set_capacity(
        session,
        facility_id=facility.id,
        update={"beds_yellow": CapacityIn(total=20, available=2)},
        actor_id=None,
        via="test",
    )
    await session.commit()

    await expect(free).to_have_text("2")  # no click, no reload: the stream brought it
    await expect(page.locator(".facility-popup .freshness")).to_have_text("updated just now")
    await page.screenshot(path=str(ARTIFACTS / "e2e" / f"facility-popup-live-{viewport}.png"))
    assert not problems, str(problems)
