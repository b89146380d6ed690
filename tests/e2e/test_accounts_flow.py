"""A volunteer signs in by texted code and registers; their district's coordinator verifies them."""

import json
import re

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role
from jitasa.notifications.channels.console import MESSAGES_FILE
from jitasa.volunteers.models import Volunteer

pytestmark = pytest.mark.browser

VOLUNTEER_PHONE = "089 123 4567"
VOLUNTEER_E164 = "+66891234567"
COORDINATOR_PHONE = "0891234500"
COORDINATOR_PASSWORD = "district 5001 coordinator"
CHIANG_MAI_CITY = (18.7883, 98.9853)  # Tha Phae Gate, Mueang Chiang Mai (district 5001)
PIN_MAP_READY = "() => Boolean(window.jitasaPinMap && window.jitasaPinMap._loaded)"


def texted_code(settings, phone: str, after: int = 0) -> str:
    """Return the code in the last text the console channel wrote to this phone."""
    lines = (settings.data_dir / MESSAGES_FILE).read_text(encoding="utf-8").splitlines()
    texts = [m["text"] for m in map(json.loads, lines[after:]) if m["to"] == phone]
    assert texts, f"no text message to {phone}"
    return re.search(r"\b\d{6}\b", texts[-1]).group()


def messages_so_far(settings) -> int:
    """Count the text messages the console channel has written in this run."""
    path = settings.data_dir / MESSAGES_FILE
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


async def sign_in_by_code(page: Page, settings, screenshot=None, doc_image=None) -> None:
    """Sign in on the sign-in page the browser is on, with the code texted to the volunteer."""
    before = messages_so_far(settings)
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill(VOLUNTEER_PHONE)
    if screenshot:
        await screenshot("signin", doc_image=doc_image)
    await page.get_by_role("button", name="ส่งรหัสทาง SMS").click()
    await expect(page.get_by_role("heading", name="ใส่รหัสที่ได้รับ")).to_be_visible()
    await expect(page.locator(".lead")).to_contain_text("089 123 4567")
    code_box = page.get_by_label("รหัส 6 หลัก")
    await expect(code_box).to_have_attribute("autocomplete", "one-time-code")
    await expect(code_box).to_have_attribute("inputmode", "numeric")
    await code_box.fill(texted_code(settings, VOLUNTEER_E164, after=before))
    if screenshot:
        await screenshot("code")
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()


async def tap_map_at(page: Page, viewport: str, lat: float, lon: float) -> None:
    """Tap (phone) or click (desktop) the pin map at a place."""
    point = await page.evaluate(
        "([lat, lon]) => window.jitasaPinMap.latLngToContainerPoint([lat, lon])", [lat, lon]
    )
    box = await page.locator("#home-map").bounding_box()
    x, y = box["x"] + point["x"], box["y"] + point["y"]
    if viewport == "phone":
        await page.touchscreen.tap(x, y)
    else:
        await page.mouse.click(x, y)


async def sign_out(page: Page) -> None:
    """Sign out from the account page."""
    await page.goto("/account")
    await page.get_by_role("button", name="ออกจากระบบ").click()
    await page.wait_for_url("**/")


async def test_a_volunteer_registers_and_their_coordinator_verifies_them(
    page, problems, screenshot, viewport, settings, session
):
    await accounts_service.save_user(
        session,
        phone="+66891234500",
        roles={Role.COORDINATOR},
        area_code="5001",
        display_name="ปลัดอำเภอเมืองเชียงใหม่",
        password=COORDINATOR_PASSWORD,
    )
    await session.commit()
    doc = viewport == "phone"

    # 1. The volunteer opens the volunteer page and is asked to sign in first.
    await page.goto("/volunteer")
    await page.wait_for_url("**/signin?next=/volunteer")
    await expect(page.locator("html")).to_have_attribute("lang", "th")
    await sign_in_by_code(page, settings, screenshot, "signin-th" if doc else None)
    await page.wait_for_url("**/volunteer")

    # 2. They fill in the form and tap their home on the map, in Mueang Chiang Mai.
    await expect(page.get_by_role("heading", name="สมัครเป็นอาสาสมัคร")).to_be_visible()
    await page.get_by_label("ชื่อของคุณ").fill("สมศรี ใจดี")
    await page.get_by_label("ประเภทอาสาสมัคร").select_option(label="อสม. (ในกรุงเทพฯ: อสส.)")
    # The map replaces the latitude and longitude boxes, folded away under it.
    await expect(page.locator("#home_lat")).to_be_hidden()
    await page.wait_for_function(PIN_MAP_READY)
    await page.evaluate(
        "([lat, lon]) => window.jitasaPinMap.setView([lat, lon], 14, {animate: false})",
        list(CHIANG_MAI_CITY),
    )
    await page.locator("#home-map").scroll_into_view_if_needed()
    await tap_map_at(page, viewport, *CHIANG_MAI_CITY)
    await expect(page.locator("#home-map .leaflet-marker-icon")).to_have_count(1)
    await expect(page.locator("#pin-area")).to_have_text("หมุดอยู่ใน: อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    await expect(page.locator("#area_code option")).to_have_count(17)  # "not sure" + 16
    lat = float(await page.locator("#home_lat").input_value())
    lon = float(await page.locator("#home_lon").input_value())
    assert abs(lat - CHIANG_MAI_CITY[0]) < 0.001 and abs(lon - CHIANG_MAI_CITY[1]) < 0.001
    await page.locator(".pin-field legend").evaluate("(el) => el.scrollIntoView()")
    await screenshot("pin", doc_image="volunteer-pin-th" if doc else None)
    await page.get_by_label("ทักษะ").fill("ปฐมพยาบาล, ขับรถ")
    await page.get_by_label("ยานพาหนะ").select_option(label="รถจักรยานยนต์")
    await page.get_by_text("ผ่านการอบรมการใช้ชุดป้องกันการติดเชื้อแล้ว").click()
    await page.get_by_role("button", name="สมัครเป็นอาสาสมัคร").click()

    # 3. Saved: the profile shows the district found from the pin and waits for verification.
    await expect(page.locator(".flash")).to_have_text("บันทึกข้อมูลอาสาสมัครแล้ว")
    status = page.locator("#volunteer-status")
    await expect(status.locator(".status-line")).to_have_text("รอเจ้าหน้าที่รับรอง")
    await expect(page.locator("#volunteer-area")).to_have_text("อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    await screenshot("waiting", doc_image="volunteer-profile-th" if doc else None)
    await sign_out(page)

    # 4. The district's coordinator signs in with a password and opens the queue.
    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill(COORDINATOR_PHONE)
    await page.get_by_label("รหัสผ่าน").fill(COORDINATOR_PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_url("**/desk")  # staff land on their desk
    await page.goto("/account")
    await page.get_by_role("link", name="รับรองอาสาสมัคร").click()
    await page.wait_for_url("**/coordinator/volunteers")
    await expect(page.locator(".lead")).to_have_text("พื้นที่: อ.เมืองเชียงใหม่ จ.เชียงใหม่")
    card = page.locator(".card", has_text="สมศรี ใจดี")
    await expect(card).to_contain_text("089 123 4567")
    await expect(card).to_contain_text("อสม.")
    await expect(card).to_contain_text("รถจักรยานยนต์")
    await expect(card.locator("dd").last).to_have_text(re.compile(r"^\d{1,2} \S+ 25\d\d$"))
    await screenshot("queue", doc_image="verification-queue-th" if doc else None)

    # 5. They verify the volunteer, who leaves the queue.
    await card.get_by_role("button", name="รับรอง สมศรี ใจดี", exact=True).click()
    await expect(page.locator(".flash")).to_have_text("รับรอง สมศรี ใจดี แล้ว")
    await expect(page.locator(".card")).to_have_count(0)
    await screenshot("verified-queue")
    await sign_out(page)

    # 6. The volunteer signs in again and sees that they are verified.
    await page.goto("/volunteer")
    await sign_in_by_code(page, settings)
    await page.wait_for_url("**/volunteer")
    await expect(status.locator(".status-line")).to_have_text("✓ รับรองแล้ว")
    await expect(page.get_by_role("heading", name="ข้อมูลอาสาสมัครของฉัน")).to_be_visible()
    await screenshot("verified")
    volunteer = await session.scalar(select(Volunteer))
    assert volunteer.area_code.startswith("5001") and volunteer.is_verified
    assert not problems, str(problems)
