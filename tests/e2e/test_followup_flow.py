"""An อสม. opens the follow-up list of their village, records a dose in two taps and sees the
village's coverage rise; a dose tapped with no connection is kept and sent when it returns."""

import re

import pytest
from playwright.async_api import expect
from sqlalchemy import func, select

from jitasa import demo_register
from jitasa.vaccination.models import Dose

pytestmark = pytest.mark.browser
PASSWORD = "village health volunteer"


async def test_a_vhv_records_a_dose_and_sees_coverage_rise(
    page, problems, screenshot, viewport, session
):
    await demo_register.seed(session, password=PASSWORD)
    await session.commit()
    doses_before = await session.scalar(select(func.count()).select_from(Dose))
    doc = viewport == "phone"

    # 1. The อสม. signs in and opens the follow-up list: 9 people of the 608 group, 5 with dose 1.
    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill("0811009001")
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_load_state("networkidle")
    await page.goto("/volunteer/followups")
    coverage = page.locator("#coverage .figure")
    await expect(coverage.first).to_have_text("เข็มที่ 1: 5 จาก 9 คน (56%)")
    await expect(page.locator("#followups-status")).to_have_text("ต้องไปเยี่ยม 8 คน")
    await screenshot("list", doc_image="vhv-followups-th" if doc else None)

    # 2. Two taps: "record dose N" on the nearest house, then "save dose N".
    first = page.locator("#followups-list li").first
    name = await first.locator("h2").text_content()
    record = first.get_by_role("button", name=re.compile("^บันทึกเข็มที่"))
    number = int((await record.text_content()).split()[-1])
    before = await coverage.nth(number - 1).text_content()
    await record.click()
    await screenshot("confirm", doc_image="vhv-dose-th" if doc else None)
    await first.get_by_role("button", name=f"ยืนยันเข็มที่ {number}").click()
    await expect(page.locator("#followups-status")).to_have_text(f"บันทึกเข็มที่ {number} แล้ว")
    count_before = int(re.search(r": (\d+) จาก", before).group(1))
    await expect(coverage.nth(number - 1)).to_contain_text(f": {count_before + 1} จาก 9 คน")
    if number < 3:  # still missing a dose: on the list with the next one
        card = page.locator("#followups-list li", has_text=name)
        await expect(card.get_by_role("button", name=f"บันทึกเข็มที่ {number + 1}")).to_be_visible()
    await screenshot("recorded", doc_image="vhv-recorded-th" if doc else None)

    # 3. No connection: the dose waits on the phone and goes once the connection is back.
    second = page.locator("#followups-list li").nth(1)
    await page.context.set_offline(True)
    await second.get_by_role("button", name=re.compile("^บันทึกเข็มที่")).click()
    await second.get_by_role("button", name=re.compile("^ยืนยันเข็มที่")).click()
    await expect(second.locator(".form-message")).to_have_text(
        "ไม่มีสัญญาณ: เก็บข้อมูลเข็มนี้ไว้ในโทรศัพท์ และจะส่งเมื่อมีสัญญาณ"
    )
    await expect(page.locator("#followups-queue")).to_have_text("รอส่ง 1 เข็ม")
    await page.context.set_offline(False)
    await expect(page.locator("#followups-queue")).to_be_hidden()
    await page.reload()  # a reload sends nothing twice
    await expect(page.locator("#followups-queue")).to_be_hidden()
    assert await session.scalar(select(func.count()).select_from(Dose)) == doses_before + 2
    # The one request made while offline failed, as it should have: nothing else did.
    for found in (problems.failed_requests, problems.console_errors):
        found[:] = [f for f in found if "ERR_INTERNET_DISCONNECTED" not in f]
    assert not problems, str(problems)
