"""A coordinator closes requests from the desk: one a volunteer holds is left alone until they
tick that they mean it, and the dashboard's volunteer figures follow registrations live."""

import pytest
from playwright.async_api import expect

from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role
from jitasa.help_requests import assigning
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers.schemas import VolunteerSave
from tests.help_requests.helpers import make_request, volunteer

pytestmark = pytest.mark.browser

PHONE = "0891234522"
PASSWORD = "district 5001 bulk close"


async def test_bulk_close_keeps_a_volunteers_task_until_asked_and_volunteers_count_live(
    page, problems, viewport, session
):
    staff = await accounts_service.save_user(
        session, phone="+66891234522", roles={Role.COORDINATOR}, area_code="5001", password=PASSWORD
    )
    waiting = await make_request(session, category="food_supplies", urgency="normal")
    held = await make_request(session, category="food_supplies", urgency="urgent")
    helper, _headers = await volunteer(session)
    await assigning.assign(session, help_request=held, staff=staff, volunteer_id=helper.id)
    await session.commit()

    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill(PHONE)
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_url("**/desk")
    await expect(page.locator(".live-state")).to_have_text("อัปเดตสด")

    async def close_picked(*codes: str) -> None:
        for code in codes:
            await page.locator(f'.queue-item[data-code="{code}"] .pick').check()
        await page.locator("#bulk-reason").select_option("no_longer_needed")
        await page.get_by_role("button", name="ปิดคำขอที่เลือก").click()

    message = page.locator("#bulk-close .form-message")
    await close_picked(waiting.code, held.code)
    await expect(message).to_contain_text("ปิดแล้ว 1 รายการ")
    await expect(message).to_contain_text(f"{held.code} มีอาสาสมัครรับไว้แล้ว จึงยังไม่ได้ปิด")
    await expect(page.locator(f'.queue-item[data-code="{waiting.code}"]')).to_have_count(0)
    await expect(page.locator(f'.queue-item[data-code="{held.code}"]')).to_have_count(1)

    await page.get_by_label("ปิดคำขอที่อาสาสมัครรับไว้แล้วด้วย").check()
    await close_picked(held.code)
    await expect(message).to_contain_text(f"มีอาสาสมัครรับ {held.code} ไว้ แจ้งให้เขาทราบว่าปิดแล้ว")
    await expect(page.locator(f'.queue-item[data-code="{held.code}"]')).to_have_count(0)

    # The dashboard's volunteer figures move when someone registers, without a reload.
    await page.goto("/dashboard")
    await expect(page.locator(".live-state")).to_have_text("อัปเดตสด")
    figure = page.locator('[data-figure="waiting"] strong')
    before = int(await figure.text_content())
    newcomer = await accounts_service.get_or_create_by_phone(session, phone="+66891234533")
    await volunteers_service.save_profile(
        session,
        user=newcomer,
        volunteer_in=VolunteerSave(
            kind="general", home_lat=18.789, home_lon=98.974, service_radius_km=5
        ),
        refresh_seconds=0,
    )
    await session.commit()
    await expect(figure).to_have_text(str(before + 1))
    assert not problems, str(problems)
