"""A requester sees who is coming; a coordinator sees whether each notification arrived."""

import re
from datetime import timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select

from jitasa import jobs
from jitasa.accounts import service as accounts_service
from jitasa.core import jobs as queue
from jitasa.core.db import create_session_factory, transaction, utcnow
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.notifications.models import LineDraft, Notification
from jitasa.notifications.service import SEND
from tests.factories import make_volunteer, next_phone
from tests.help_requests.helpers import make_request
from tests.notifications.helpers import with_sms
from tests.notifications.sms_provider import running_provider

pytestmark = pytest.mark.browser

PASSWORD = "a long password for the browser"


async def person(session, *, roles, area_code=None, name=""):
    """Create a person who signs in with a password."""
    user = await accounts_service.save_user(
        session,
        phone=next_phone(),
        roles=set(roles),
        area_code=area_code,
        display_name=name,
        password=PASSWORD,
    )
    await session.commit()
    return user


async def sign_in(page: Page, user) -> None:
    """Sign in on the password page."""
    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill(user.phone)
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_url(re.compile(r".*/(account|desk)$"))  # staff land on their desk


async def test_requester_sees_who_is_coming_and_coordinator_sees_the_delivery_state(
    page, other_page, screenshot, problems, session, engine, settings
):
    requester = await person(session, roles=[Role.REQUESTER])
    helper = await person(session, roles=[Role.VOLUNTEER], name="สมศักดิ์ รักดี")
    await make_volunteer(session, user=helper)
    coordinator = await person(session, roles=[Role.COORDINATOR], area_code="5001")
    help_request = await make_request(session, requester=requester)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    await session.commit()
    # The SMS gateway refuses the requester's number: the coordinator must see it.
    with running_provider() as provider:
        provider.status = 400
        await jobs.run_once(
            create_session_factory(engine), settings=with_sms(settings, provider.url)
        )

    await sign_in(page, requester)
    await page.goto(f"/requests/{help_request.id}")
    coming = page.locator(".coming")
    await expect(coming.get_by_role("heading", name="ใครกำลังมาช่วย")).to_be_visible()
    await expect(coming.locator(".helper-name")).to_have_text("สมศักดิ์ รักดี")
    await expect(coming.get_by_role("link", name="โทร")).to_have_attribute(
        "href", f"tel:{helper.phone}"
    )
    await coming.scroll_into_view_if_needed()
    await screenshot("who-is-coming")

    await sign_in(other_page, coordinator)
    await other_page.goto(f"/requests/{help_request.id}")
    row = other_page.locator("table.notifications tbody tr").first
    await expect(row).to_contain_text("แจ้งผู้ขอว่าใครกำลังมาช่วย")
    await expect(row).to_contain_text("ส่งไม่สำเร็จ")
    await expect(row.locator(".delivery-error")).to_have_text(
        "SMS provider: HTTP 400 number cannot receive SMS"
    )
    await row.scroll_into_view_if_needed()
    await screenshot("delivery-state", of=other_page)
    assert not problems, str(problems)


async def test_a_draft_from_line_opens_the_sos_form_with_its_pin_and_words(
    page, screenshot, problems, session
):
    requester = await person(session, roles=[Role.REQUESTER])
    draft = LineDraft(
        line_user_id="U" + "1" * 32,
        token="draft-token-for-the-browser-test-0001",
        lat=18.7883,
        lon=98.9853,
        address="",
        text="ยายป่วย ไข้สูง ต้องการยา",
    )
    session.add(draft)
    await session.commit()
    await sign_in(page, requester)
    await page.goto(f"/sos?draft={draft.token}")
    await expect(page.locator("#lat")).to_have_value("18.788300")
    await expect(page.locator("#lon")).to_have_value("98.985300")
    await expect(page.locator("#description")).to_have_value("ยายป่วย ไข้สูง ต้องการยา")
    await expect(page.locator("#pin-area")).to_contain_text("เมืองเชียงใหม่")
    await expect(page.locator("#pin-status")).not_to_contain_text("กำลังหาตำแหน่ง")  # no GPS
    await screenshot("line-draft")
    assert not problems, str(problems)


async def test_the_preferences_page_names_a_wrong_field_beside_it(
    page, screenshot, problems, session
):
    volunteer = await person(session, roles=[Role.VOLUNTEER])
    await sign_in(page, volunteer)
    await page.goto("/account/notifications")
    await page.get_by_role("textbox", name="อีเมล").fill("")
    await page.get_by_role("checkbox", name="อีเมล").check()
    await page.locator("#quiet_start").select_option("22")
    await page.get_by_role("button", name="บันทึก").click()
    error = page.locator("#email-error")
    await expect(error).to_have_text("ต้องระบุอีเมล จึงจะรับการแจ้งเตือนทางอีเมลได้")
    await expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#quiet_start")).to_have_value("22")  # kept as chosen
    await error.scroll_into_view_if_needed()
    await screenshot("email-needed")
    # The 422 of the form is the point of the test, not a problem.
    for found in (problems.failed_requests, problems.console_errors):
        found[:] = [item for item in found if "422" not in item]
    assert not problems, str(problems)


async def test_a_coordinator_sees_a_held_alert_withdrawn_once_the_request_was_taken(
    page, screenshot, problems, session, engine, settings
):
    coordinator = await person(session, roles=[Role.COORDINATOR], area_code="5001")
    help_request = await make_request(session, category="medical_help", urgency="yellow")
    session.add(
        Notification(
            kind="request.nearby",
            channel="console",
            address="+66812345678",
            request_id=help_request.id,
            text="จิตอาสา: คำขอใหม่ใกล้คุณ",
            dedupe_key="e2e:held",
            send_after=utcnow() - timedelta(seconds=1),
        )
    )
    helper = await person(session, roles=[Role.VOLUNTEER])
    volunteer = await make_volunteer(session, user=helper)
    volunteer.verified_at = utcnow()
    await session.commit()
    await lifecycle.claim(session, help_request=help_request, user=helper)
    await session.commit()
    held = await session.scalar(
        select(Notification.id).where(Notification.dedupe_key == "e2e:held")
    )
    async with transaction(create_session_factory(engine)) as writing:
        await queue.enqueue(writing, SEND, {"notification_id": held, "max_attempts": 3})
    await jobs.run_once(create_session_factory(engine), settings=settings)

    await sign_in(page, coordinator)
    await page.goto(f"/requests/{help_request.id}")
    row = page.locator("table.notifications tbody tr", has_text="ไม่ได้ส่ง")
    await expect(row).to_contain_text("ข้อความไม่ตรงกับสถานะปัจจุบันแล้ว")
    await expect(row.locator(".delivery-error")).to_have_text("มีอาสาสมัครรับคำขอนี้แล้ว")
    await row.scroll_into_view_if_needed()
    await screenshot("withdrawn")
    assert not problems, str(problems)
