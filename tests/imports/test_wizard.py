"""Every sample file imports through the wizard's pages with the counts written here by hand."""

import pytest
from sqlalchemy import func, select

from jitasa.core.jobs import Job
from jitasa.core.words import Role
from jitasa.facilities.models import Facility
from jitasa.help_requests.models import HelpRequest
from jitasa.imports import router as imports_router
from jitasa.vaccination.models import Coverage
from jitasa.volunteers.models import Volunteer
from tests.help_requests.test_request_pages import HTML, csrf, sign_in
from tests.imports.conftest import sample
from tests.imports.wizard_helpers import (
    choose,
    figures_of,
    form_of,
    preview,
    run,
    run_jobs,
    upload,
)

# file, kind, the table it fills, then by hand: rows read, rows without problems, rows with
# problems, created, warnings listed (the same counts tests/imports/test_samples.py checks)
SAMPLES = [
    ("facilities_chiangmai.csv", "facilities", Facility, 25, 25, 0, 25, 0),
    ("vaccination_points_cp874.csv", "facilities", Facility, 15, 15, 0, 15, 4),
    ("field_hospitals.kml", "facilities", Facility, 2, 2, 0, 2, None),
    ("facilities.geojson", "facilities", Facility, 8, 8, 0, 8, None),
    ("requests_hotline.csv", "requests", HelpRequest, 30, 30, 0, 30, 6),
    ("volunteers_vhv.csv", "volunteers", Volunteer, 40, 40, 0, 40, None),
    ("vaccine_coverage_chiangmai.xlsx", "vaccination_coverage", Coverage, 25, 25, 0, 25, 0),
]


async def count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("name", "kind", "model", "total", "ok", "failed", "created", "warnings"),
    SAMPLES,
    ids=[s[0] for s in SAMPLES],
)
async def test_a_sample_file_imports_through_the_wizard(
    client, session, factory, name, kind, model, total, ok, failed, created, warnings
):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    job, checked = await preview(client, factory, sample(name), kind)
    assert "Checked: nothing is saved yet." in checked
    would = figures_of(checked)
    assert (would["rows_total"], would["rows_ok"], would["rows_failed"]) == (total, ok, failed)
    assert would["created"] == created
    assert await count(session, model) == 0  # the check wrote nothing
    if warnings is not None:
        assert checked.count('<tr class="problem warning">') == warnings
    _done, result = await run(client, factory, job, "abort")
    assert "Imported and saved." in result, result
    figures = figures_of(result)
    assert (figures["rows_total"], figures["rows_ok"], figures["created"]) == (total, ok, created)
    assert await count(session, model) == created
    assert await session.scalar(select(func.count()).select_from(Job)) == 2  # check, import


def kept(settings) -> set[str]:
    """Return the files waiting in the imports directory (drafts and uploads)."""
    root = settings.data_dir / "imports"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


async def nothing_queued(session) -> bool:
    return await session.scalar(select(func.count()).select_from(Job)) == 0


async def test_a_kind_that_does_not_exist_no_file_or_a_file_too_large_are_refused_on_the_page(
    client, session, settings, monkeypatch, tmp_path
):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    before = kept(settings)
    wrong = await upload(client, sample("facilities.geojson"), "vaccines", lang="th")
    assert wrong.status_code == 422
    assert "“vaccines” ไม่ใช่ประเภทการนำเข้า" in wrong.text, wrong.text
    assert 'value="facilities"' in wrong.text  # the form is shown again to choose
    none = await client.post(
        "/imports?lang=en",
        data={"csrf_token": await csrf(client), "kind": "facilities"},
        files={"file": ("", b"")},
        headers=HTML,
    )
    assert none.status_code == 422 and "Choose the file to upload." in none.text
    no_kind = await upload(client, sample("facilities.geojson"), "")
    assert no_kind.status_code == 422 and "Choose what the file holds." in no_kind.text
    monkeypatch.setattr(imports_router, "MAX_FILE_BYTES", 1000)
    large = await upload(client, sample("facilities_chiangmai.csv"), "facilities", lang="th")
    assert large.status_code == 422 and "ไฟล์ใหญ่เกิน" in large.text
    pdf = tmp_path / "beds.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    not_sheet = await upload(client, pdf, "facilities")
    assert not_sheet.status_code == 422 and "cannot be imported; use CSV, XLSX" in not_sheet.text
    broken = tmp_path / "beds.xlsx"
    broken.write_bytes(b"not a zip at all")
    lying = await upload(client, broken, "facilities")
    assert lying.status_code == 422 and "not a valid XLSX file" in lying.text
    assert kept(settings) == before and await nothing_queued(session)


async def test_a_column_mapped_to_an_unknown_field_or_leaving_a_needed_one_is_refused(
    client, session, settings
):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    uploaded = await upload(client, sample("facilities_chiangmai.csv"), "facilities")
    draft = uploaded.headers["location"]
    headers, fields = form_of((await client.get(draft, headers=HTML)).text)
    assert fields[headers.index("ละติจูด")] == "lat"
    unknown = list(fields)
    unknown[0] = "beds_purple"
    refused = await choose(client, draft, headers, unknown, lang="th")
    assert refused.status_code == 422
    assert "“beds_purple” ไม่ใช่ช่องข้อมูลของการนำเข้านี้" in refused.text, refused.text
    left_out = [("-" if f in ("name_th", "name_en") else f) for f in fields]
    missing = await choose(client, draft, headers, left_out)
    assert missing.status_code == 422 and "lacks columns this import needs" in missing.text
    twice = [("lat" if f == "lon" else f) for f in fields]
    doubled = await choose(client, draft, headers, twice)
    assert doubled.status_code == 422 and "chosen for two columns" in doubled.text
    assert await nothing_queued(session)
    assert await session.scalar(select(func.count()).select_from(Facility)) == 0


async def test_a_changed_column_is_kept_and_a_bad_row_is_shown_then_skipped(
    client, session, factory, tmp_path
):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    path = tmp_path / "beds.csv"
    path.write_text(
        "รหัส,ชื่อหน่วย,ละติจูด,ลองจิจูด,หมายเหตุ\n"
        "A1,รพ.สนาม 1,18.79,98.98,\n"
        "A2,รพ.สนาม 2,ไม่ทราบ,98.98,\n"
        "A3,รพ.สนาม 3,18.80,98.97,ใหม่\n",
        "utf-8",
    )
    job, checked = await preview(
        client, factory, path, "facilities", {"รหัส": "external_id", "ชื่อหน่วย": "name_th"}
    )
    assert figures_of(checked)["rows_failed"] == 1
    assert (  # the header as the file has it, the field as the page's reader calls it
        '<tr class="problem error"><td class="n">3</td><td translate="no">ละติจูด'
        '<br><small class="field-name">latitude</small></td>'
    ) in checked
    assert (
        '<tr class="problem warning"><td class="n">1</td><td translate="no">หมายเหตุ</td>' in checked
    )
    assert 'value="skip" checked' in checked
    done, result = await run(client, factory, job, "skip")
    assert "Imported and saved." in result
    assert (figures_of(result)["created"], figures_of(result)["rows_failed"]) == (2, 1)
    names = set(await session.scalars(select(Facility.external_id)))
    assert names == {"A1", "A3"}
    report = await client.get(f"/api/v1{done}/errors.csv")
    assert report.status_code == 200 and "ไม่ทราบ" in report.text


async def test_all_or_nothing_with_a_bad_row_saves_nothing_and_offers_to_skip(
    client, session, factory, tmp_path
):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    path = tmp_path / "beds.csv"
    path.write_text("รหัส,ชื่อ,ละติจูด,ลองจิจูด\nA1,รพ.1,18.79,98.98\nA2,รพ.2,99,98.98\n", "utf-8")
    job, _checked = await preview(client, factory, path, "facilities")
    _done, result = await run(client, factory, job, "abort")
    assert "Nothing was saved" in result and 'value="skip" checked' in result
    assert await session.scalar(select(func.count()).select_from(Facility)) == 0


async def test_an_import_is_cancelled_from_its_page_and_saves_nothing(client, session, factory):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    uploaded = await upload(client, sample("facilities.geojson"), "facilities")
    draft = uploaded.headers["location"]
    headers, fields = form_of((await client.get(draft, headers=HTML)).text)
    job = (await choose(client, draft, headers, fields)).headers["location"]
    waiting = await client.get(f"{job}?lang=en", headers=HTML)
    assert "import-progress.js" in waiting.text and "Cancel (nothing is saved)" in waiting.text
    cancelled = await client.post(
        f"{job}/cancel", data={"csrf_token": await csrf(client)}, headers=HTML
    )
    assert cancelled.status_code == 303
    await run_jobs(factory)
    page = await client.get(f"{job}?lang=en", headers=HTML)
    assert "Cancelled: nothing of this file was saved." in page.text
    assert await session.scalar(select(func.count()).select_from(Facility)) == 0


async def test_only_area_staff_reach_the_wizard_and_only_the_uploader_their_draft(client, session):
    anonymous = await client.get("/imports", headers=HTML)
    assert anonymous.status_code == 303 and "/staff/signin" in anonymous.headers["location"]
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    uploaded = await upload(client, sample("facilities.geojson"), "facilities")
    draft = uploaded.headers["location"]
    forged = await client.post(draft, data={"column": ["name"], "field": ["name_th"]}, headers=HTML)
    assert forged.status_code == 403  # no CSRF token
    client.cookies.clear()
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    assert (await client.get(draft, headers=HTML)).status_code == 403
    client.cookies.clear()
    await sign_in(client, session, roles=[Role.VOLUNTEER])
    assert (await client.get("/imports", headers=HTML)).status_code == 403
    gone = await client.get("/imports/drafts/" + "0" * 32, headers=HTML)
    assert gone.status_code in (403, 404)
