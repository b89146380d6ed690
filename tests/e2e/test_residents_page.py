"""A coordinator opens a village's residents page from the coverage page, adds a resident and
makes an อสม. of the subdistrict the volunteer of the village."""

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from jitasa import demo_register
from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role
from jitasa.volunteers.models import Volunteer

pytestmark = pytest.mark.browser
PASSWORD = "district 5001 residents"


async def test_a_coordinator_adds_a_resident_and_sets_the_villages_vhv(
    page, problems, screenshot, viewport, session
):
    await demo_register.seed(session, password=PASSWORD)
    vhv = await session.scalar(select(Volunteer).where(Volunteer.kind == "vhv"))
    vhv.area_code = demo_register.VILLAGE[:6]  # not yet the volunteer of a village
    await accounts_service.save_user(
        session,
        phone="+66891234512",
        roles={Role.COORDINATOR},
        area_code="5001",
        display_name="ปลัดอำเภอเมืองเชียงใหม่",
        password=PASSWORD,
    )
    await session.commit()
    doc = viewport == "desktop"

    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill("0891234512")
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_url("**/desk")
    await page.get_by_role("link", name="ผู้อยู่อาศัยในหมู่บ้าน").click()
    await expect(page.locator(f'tr[data-code="{demo_register.VILLAGE}"]')).to_contain_text("10")
    await page.locator(f'tr[data-code="{demo_register.VILLAGE}"] a').click()
    await expect(page.locator(".residents-table tbody tr")).to_have_count(10)

    form = page.locator(".resident-form")
    await form.get_by_label("บ้านเลขที่").fill("99/1")
    await form.get_by_label("ชื่อ", exact=True).fill("มาลี ศรีเมือง")
    await form.get_by_label("เลขประจำตัวประชาชน").fill(demo_register.made_up_id(99))
    await form.get_by_label("ปีเกิด (พ.ศ. หรือ ค.ศ.)").fill("๒๔๙๕")
    await form.get_by_label("โรคเรื้อรัง").check()
    await form.get_by_role("button", name="เพิ่มในทะเบียน").click()
    await expect(page.locator(".flash")).to_have_text("มาลี ศรีเมือง ถูกเพิ่มในทะเบียนแล้ว")
    await expect(page.locator(".residents-table tbody tr")).to_have_count(11)

    await page.get_by_role("button", name="ให้เป็น อสม. ของหมู่บ้านนี้").click()
    await expect(page.locator(".flash")).to_have_text("อสม. ดวงใจ ใจบุญ ดูแลหมู่บ้านนี้แล้ว")
    await expect(page.locator(".vhv-list")).to_contain_text("ดูแลหมู่บ้านนี้")
    await screenshot("village", doc_image="residents-th" if doc else None)
    await page.locator(".vhv-list").scroll_into_view_if_needed()
    await screenshot("vhv", doc_image="residents-vhv-th" if doc else None)
    await session.refresh(vhv)
    assert vhv.area_code == demo_register.VILLAGE
    assert not problems, str(problems)
