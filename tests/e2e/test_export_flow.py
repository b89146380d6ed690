"""A coordinator downloads the desk's queue as a file, and anyone the requests the map shows."""

import re

import pytest
from playwright.async_api import expect

from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role
from tests.help_requests.helpers import make_request

pytestmark = pytest.mark.browser

PASSWORD = "district 5001 export"


async def test_a_coordinator_downloads_the_desk_and_the_map_view(
    page, problems, screenshot, viewport, session
):
    await accounts_service.save_user(
        session,
        phone="+66891234522",
        roles={Role.COORDINATOR},
        area_code="5001",
        display_name="ปลัดอำเภอ",
        password=PASSWORD,
    )
    oxygen = await make_request(session, category="oxygen", urgency="red", contact_name="ยายศรี")
    await session.commit()

    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill("0891234522")
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_url("**/desk")
    links = page.locator(".export-links")
    await expect(links).to_contain_text("ดาวน์โหลดรายการนี้:")
    await screenshot("desk", doc_image="export-links-th" if viewport == "desktop" else None)

    async with page.expect_download() as downloading:
        await links.get_by_role("link", name="CSV", exact=True).click()
    download = await downloading.value
    assert download.suggested_filename == "jitasa-requests-5001.csv"
    text = (await download.path()).read_text(encoding="utf-8-sig")
    assert oxygen.code in text and "ยายศรี" in text

    await page.goto("/")
    in_view = page.locator("#map-export a[data-format='geojson']")
    await expect(in_view).to_have_attribute(
        "href", re.compile(r"public-requests\.geojson\?.*bbox=")
    )
    answer = await page.request.get(await in_view.get_attribute("href"))
    body = await answer.text()
    assert oxygen.code in body and "ยายศรี" not in body  # what is in view, public view only
    assert not problems, problems
