"""The imports API: upload as a background job, progress, report, errors.csv, cancel, templates."""

import csv
import io
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from jitasa.core import jobs as queue
from jitasa.core.words import Role
from jitasa.facilities.models import Facility
from tests.factories import bearer, make_user
from tests.imports.conftest import sample


async def staff(session, area="50", roles=(Role.COORDINATOR,)):
    user = await make_user(session, roles=list(roles), area_code=area)
    await session.commit()
    return await bearer(session, user)


async def upload(client, headers, path, kind="facilities", **form):
    with path.open("rb") as stream:
        return await client.post(
            "/api/v1/imports",
            headers=headers,
            files={"file": (path.name, stream.read())},
            data={"kind": kind, **form},
        )


async def run_jobs(factory) -> None:
    while await queue.run_one(factory, "test-worker"):
        pass


async def test_an_upload_runs_in_the_background_and_reports_by_row(
    client, session, factory, tmp_path
):
    headers = await staff(session)
    answer = await upload(client, headers, sample("facilities_chiangmai.csv"))
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["id"]
    assert answer.json()["status"] == "queued"
    assert (await client.get(f"/api/v1/imports/{job_id}", headers=headers)).json()["rows_ok"] == 0
    await run_jobs(factory)
    done = (await client.get(f"/api/v1/imports/{job_id}", headers=headers)).json()
    assert (done["status"], done["rows_total"], done["rows_ok"], done["created"]) == (
        "done",
        25,
        25,
        25,
    )
    assert done["written"] is True and done["progress"] == 1.0
    assert await session.scalar(select(func.count()).select_from(Facility)) == 25
    job = await queue.get(session, job_id)
    assert not Path(job.payload["path"]).exists()  # the upload is removed once imported


async def test_a_coordinator_imports_only_rows_of_their_area(client, session, factory):
    headers = await staff(session, area="5001")  # Mueang Chiang Mai only
    answer = await upload(client, headers, sample("facilities_chiangmai.csv"), on_error="skip")
    await run_jobs(factory)
    done = (await client.get(f"/api/v1/imports/{answer.json()['id']}", headers=headers)).json()
    inside = await session.scalar(select(func.count()).select_from(Facility))
    assert done["rows_ok"] == inside and 0 < inside < 25
    assert done["rows_failed"] == 25 - inside
    assert all("outside your area (5001)" in e["message"] for e in done["errors"])
    report = await client.get(f"/api/v1/imports/{answer.json()['id']}/errors.csv", headers=headers)
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.text.lstrip("\ufeff"))))
    assert rows[0] == [
        "row", "column", "value", "kind", "message", "message_th", "field_en", "field_th"
    ]  # fmt: skip
    assert len(rows) == 1 + done["rows_failed"]
    assert (rows[1][1], rows[1][6], rows[1][7]) == ("ละติจูด", "latitude", "ละติจูด")


async def test_a_file_refused_whole_is_a_clear_answer_not_a_failure(
    client, session, factory, tmp_path
):
    headers = await staff(session)
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", "utf-8")
    answer = await upload(client, headers, path)
    await run_jobs(factory)
    done = (await client.get(f"/api/v1/imports/{answer.json()['id']}", headers=headers)).json()
    assert done["status"] == "done"
    assert done["refused"]["code"] == "imports.missing_columns"
    assert done["refused"]["detail_th"]


async def test_options_are_checked_before_the_file_is_stored(client, session):
    headers = await staff(session)
    bad_kind = await upload(client, headers, sample("facilities.geojson"), kind="vaccines")
    assert bad_kind.status_code == 422 and bad_kind.json()["code"] == "imports.unknown_kind"
    bad_name = await client.post(
        "/api/v1/imports",
        headers=headers,
        files={"file": ("beds.pdf", b"%PDF")},
        data={"kind": "facilities"},
    )
    assert bad_name.status_code == 422 and "CSV, XLSX" in bad_name.json()["detail"]


async def test_only_the_starter_sees_an_import_and_a_volunteer_cannot_start_one(client, session):
    headers = await staff(session)
    answer = await upload(client, headers, sample("facilities.geojson"))
    other = await staff(session)
    peek = await client.get(f"/api/v1/imports/{answer.json()['id']}", headers=other)
    assert peek.status_code == 403
    volunteer = await bearer(session, await make_user(session, roles=[Role.VOLUNTEER]))
    refused = await upload(client, volunteer, sample("facilities.geojson"))
    assert refused.status_code == 403
    missing = await client.get("/api/v1/imports/999999", headers=headers)
    assert missing.status_code == 404


async def test_a_queued_import_is_cancelled_at_once(client, session, factory):
    headers = await staff(session)
    answer = await upload(client, headers, sample("facilities.geojson"))
    cancelled = await client.post(f"/api/v1/imports/{answer.json()['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    job = await queue.get(session, answer.json()["id"])
    assert not Path(job.payload["path"]).exists()
    await run_jobs(factory)
    assert await session.scalar(select(func.count()).select_from(Facility)) == 0


async def test_the_template_has_thai_headers_english_names_and_an_example(client, session):
    headers = await staff(session)
    answer = await client.get("/api/v1/imports/templates/facilities.xlsx", headers=headers)
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("รหัสหน่วยบริการ", "ชื่อ", "ชื่อภาษาอังกฤษ")
    assert rows[1][:3] == ("external id", "name", "name en")
    assert rows[2][1] == "โรงพยาบาลนครพิงค์"
    unknown = await client.get("/api/v1/imports/templates/vaccines.xlsx", headers=headers)
    assert unknown.status_code == 422


async def test_a_filled_in_template_imports_its_example_row(session, factory, tmp_path):
    from jitasa.imports.service import Options, run_import
    from jitasa.imports.templates import template

    path = tmp_path / "filled.xlsx"
    path.write_bytes(template("facilities"))
    report = await run_import(factory, path, options=Options("facilities"))
    # the English row is skipped as a second header; the example row is a facility
    assert (report.rows_total, report.rows_ok, report.created) == (1, 1, 1), report.errors
