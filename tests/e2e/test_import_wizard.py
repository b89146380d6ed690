"""An official who has never seen the wizard imports a file with a bad row, skipping it."""

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from jitasa.accounts import service as accounts_service
from jitasa.core.db import create_session_factory
from jitasa.core.words import Role
from jitasa.facilities.models import Facility
from tests.imports.wizard_helpers import run_jobs

pytestmark = pytest.mark.browser

PASSWORD = "district 5001 imports"
ROWS = (
    "รหัส,ชื่อหน่วยบริการ,ละติจูด,ลองจิจูด,เตียงเขียวทั้งหมด,เตียงเขียวว่าง,หมายเหตุ\n"
    "FH-01,โรงพยาบาลสนามวัดป่าดาราภิรมย์,18.8005,98.9521,120,35,\n"
    "FH-02,โรงพยาบาลสนามเทศบาลนครเชียงใหม่,ไม่ทราบ,98.9853,80,12,รอพิกัด\n"
    "FH-03,ศูนย์พักคอยชุมชนช้างคลาน,18.7799,98.9990,40,40,\n"
)


@pytest.mark.parametrize("viewport", ["desktop"])
async def test_a_coordinator_walks_the_import_wizard_and_skips_a_bad_row(
    page, problems, screenshot, viewport, session, engine, tmp_path
):
    await accounts_service.save_user(
        session,
        phone="+66891234533",
        roles={Role.COORDINATOR},
        area_code="5001",
        display_name="ปลัดอำเภอ",
        password=PASSWORD,
    )
    await session.commit()
    factory = create_session_factory(engine)
    path = tmp_path / "field_hospitals.csv"
    path.write_text(ROWS, "utf-8")

    await page.goto("/staff/signin")
    await page.get_by_label("เบอร์โทรศัพท์มือถือ").fill("0891234533")
    await page.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await page.wait_for_url("**/desk")
    await page.get_by_role("link", name="นำเข้าข้อมูล").click()
    await page.wait_for_url("**/imports")

    # 1. what the file holds (each with its template) and the file
    template = page.locator("a[href='/api/v1/imports/templates/facilities.xlsx']")
    await expect(template).to_have_text("ดาวน์โหลดแบบฟอร์ม (Excel)")
    await page.get_by_role("radio", name="สถานพยาบาลและจุดบริการ").check()
    await page.set_input_files("#import-file", path)
    await screenshot("start", doc_image="import-start-th")
    await page.get_by_role("button", name="อัปโหลดและแสดงคอลัมน์").click()

    # 2. the columns found, one changed by hand
    await page.wait_for_url("**/imports/drafts/*")
    await expect(page.locator("h1")).to_have_text("คอลัมน์ของไฟล์")
    code = page.get_by_label("นำเข้าเป็น: รหัส", exact=True)
    await code.select_option("external_id")
    latitude = page.get_by_label("นำเข้าเป็น: ละติจูด", exact=True)
    await expect(latitude).to_have_value("lat")
    await screenshot("columns", doc_image="import-columns-th")
    await page.get_by_role("button", name="ตรวจสอบทุกแถว").click()

    # 3. every row checked in the background: the page follows it, then shows the problems
    await page.wait_for_url("**/imports/*")
    await expect(page.locator("#import-progress")).to_be_visible()
    await expect(page.get_by_role("button", name="ยกเลิก (ไม่บันทึกสิ่งใด)")).to_be_visible()
    await screenshot("checking", doc_image="import-progress-th")
    await run_jobs(factory)
    await expect(page.get_by_role("status")).to_contain_text("ตรวจสอบแล้ว: ยังไม่มีการบันทึก")
    bad = page.locator("tr.problem.error")
    await expect(bad).to_have_count(1)
    await expect(bad.locator("td").nth(0)).to_have_text("3")  # the row as the sheet numbers it
    await expect(bad.locator("td").nth(1)).to_have_text("ละติจูด")
    await expect(bad.locator("td").nth(2)).to_have_text("ไม่ทราบ")
    await expect(page.locator("tr.problem.warning")).to_have_count(1)  # หมายเหตุ: not imported
    await screenshot("preview", doc_image="import-preview-th")
    assert await session.scalar(select(Facility.id).limit(1)) is None  # nothing saved yet

    # 4. import, skipping the bad row; the page follows the run to its end
    await page.get_by_role("radio", name="นำเข้าแถวที่ไม่มีปัญหา และข้าม 1 แถวที่มีปัญหา").check()
    await page.get_by_role("button", name="นำเข้าตอนนี้").click()
    await expect(page.locator("#import-progress")).to_be_visible()
    await run_jobs(factory)
    await expect(page.get_by_role("status")).to_have_text("นำเข้าและบันทึกแล้ว")
    await screenshot("result", doc_image="import-result-th")
    saved = set(await session.scalars(select(Facility.external_id)))
    assert saved == {"FH-01", "FH-03"}

    # 5. the error report, for whoever corrects the file
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="ดาวน์โหลดรายงานปัญหา (CSV เปิดด้วย Excel ได้)").click()
    download = await downloading.value
    assert download.suggested_filename.endswith("-errors.csv")
    report = (await download.path()).read_text(encoding="utf-8-sig")
    assert "3,ละติจูด,ไม่ทราบ,error" in report
    assert not problems, problems
