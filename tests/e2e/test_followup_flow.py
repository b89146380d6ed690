"""An อสม. opens the follow-up list of their village, records a dose in two taps and sees the
village's coverage rise; a dose tapped with no connection is kept and sent when it returns."""

import re
from datetime import date

import pytest
from playwright.async_api import expect
from sqlalchemy import func, select

from jitasa import demo_register
from jitasa.core.thai import format_thai_date
from jitasa.vaccination import doses
from jitasa.vaccination.doses import today
from jitasa.vaccination.models import Dose, Resident
from jitasa.vaccination.schemas import DoseCreate

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


async def test_refusals_and_warnings_are_shown_and_a_refused_queued_dose_is_dropped(
    page, problems, screenshot, session
):
    await demo_register.seed(session, password=PASSWORD)
    await session.commit()

    # 1. The อสม. finds the page from their account; its header shows today as other pages do.
    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill("0811009001")
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_load_state("networkidle")
    await page.goto("/account")
    await page.get_by_role("link", name="ติดตามการฉีดวัคซีน").click()
    await expect(page).to_have_url(re.compile("/volunteer/followups$"))
    await expect(page.locator(".today")).to_have_text(format_thai_date(today()))
    await expect(page.locator("#followups-status")).to_have_text("ต้องไปเยี่ยม 8 คน")

    # 2. A BE year typed as CE: the server's Thai message, the form kept as typed, nothing saved.
    cards = page.locator("#followups-list li")
    second_dose = cards.filter(has=page.get_by_role("button", name="บันทึกเข็มที่ 2")).first
    corrected = page.locator(
        f'li[data-resident="{await second_dose.get_attribute("data-resident")}"]'
    )
    await second_dose.get_by_role("button", name="บันทึกเข็มที่ 2").click()
    be_day = f"{today().year + 543}-{today().month:02d}-01"
    await second_dose.locator("input[type=date]").fill(be_day)
    await second_dose.get_by_role("button", name="ยืนยันเข็มที่ 2").click()
    await expect(second_dose.locator(".form-message")).to_contain_text("ดูเหมือนเป็นปี พ.ศ.")
    await expect(second_dose.locator("input[type=date]")).to_have_value(be_day)
    await expect(page.locator("#followups-status")).not_to_contain_text("บันทึกเข็มที่ 2 แล้ว")
    await screenshot("refused")

    # 3. Corrected to a day before dose 1: saved, with the warning in Thai (BE date).
    await second_dose.locator("input[type=date]").fill("2021-03-01")
    await second_dose.get_by_role("button", name="ยืนยันเข็มที่ 2").click()
    await expect(page.locator("#followups-status")).to_have_text(
        "บันทึกเข็มที่ 2 แล้ว เข็มที่ 2 ลงวันที่ก่อนเข็มที่ 1 (15 ส.ค. 2564)"
    )

    # 4. That date was a mistake: the dose is deleted (after a confirm) and can be recorded again.
    page.once("dialog", lambda dialog: dialog.accept())
    await corrected.get_by_role("button", name="ลบเข็มที่ 2").click()
    await expect(page.locator("#followups-status")).to_have_text("ลบเข็มที่ 2 แล้ว")
    await expect(corrected.get_by_role("button", name="บันทึกเข็มที่ 2")).to_be_visible()

    # 5. A dose kept offline that another phone recorded meanwhile: dropped, the reason shown.
    first_dose = cards.filter(has=page.get_by_role("button", name="บันทึกเข็มที่ 1")).first
    resident_id = int(await first_dose.get_attribute("data-resident"))
    await page.context.set_offline(True)
    await first_dose.get_by_role("button", name="บันทึกเข็มที่ 1").click()
    await first_dose.get_by_role("button", name="ยืนยันเข็มที่ 1").click()
    await expect(page.locator("#followups-queue")).to_have_text("รอส่ง 1 เข็ม")
    resident = await session.get(Resident, resident_id)
    dose = DoseCreate(number=1, vaccine="Pfizer", given_on=date(2021, 9, 1))
    await doses.record(session, resident=resident, dose_in=dose, actor_id=None)
    await session.commit()
    await page.context.set_offline(False)
    await expect(page.locator("#followups-queue")).to_be_hidden()
    await expect(page.locator("#followups-refused")).to_have_text(
        "เข็มที่ 1 ที่เก็บไว้ในโทรศัพท์ไม่ได้รับการบันทึก: บันทึกเข็มที่ 1 ของบุคคลนี้ไว้แล้ว (1 ก.ย. 2564)"
    )
    moved_on = page.locator(f'#followups-list li[data-resident="{resident_id}"]')
    await expect(moved_on.get_by_role("button", name="บันทึกเข็มที่ 2")).to_be_visible()
    await page.locator("#followups-refused").scroll_into_view_if_needed()
    await screenshot("dropped")
    for found in (problems.failed_requests, problems.console_errors):
        found[:] = [
            f
            for f in found
            if "ERR_INTERNET_DISCONNECTED" not in f
            and "/doses: HTTP 4" not in f
            and "status of 4" not in f
        ]
    assert not problems, str(problems)
