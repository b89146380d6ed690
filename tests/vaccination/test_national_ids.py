"""No full national ID anywhere: logs, answers, import reports, errors.csv, the audit log, the
job table; only an export made with a logged reason holds it."""

import logging

import pytest
from sqlalchemy import select, text

from jitasa.audit.models import AuditEntry
from jitasa.core import jobs as queue
from jitasa.core.db import create_session_factory
from jitasa.core.errors import Invalid
from jitasa.vaccination import residents
from tests.vaccination.helpers import coordinator, national_id, resident

HEADER = "เลขประจำตัวประชาชน,อำเภอ,ตำบล,หมู่ที่,บ้านเลขที่,ชื่อ-สกุล,ปีเกิด,เพศ,โรคเรื้อรัง\n"


def wrong_checksum(digits: str) -> str:
    return digits[:-1] + str((int(digits[-1]) + 1) % 10)


async def upload(client, headers, tmp_path, name: str, body: str, kind: str):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    answer = await client.post(
        "/api/v1/imports",
        headers=headers,
        files={"file": (name, path.read_bytes())},
        data={"kind": kind, "on_error": "skip"},
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


async def test_no_full_national_id_in_logs_answers_reports_or_exports_without_a_reason(
    client, session, engine, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    headers = await coordinator(session, area="50")
    by_api, imported, bad = national_id(21), national_id(22), wrong_checksum(national_id(23))
    secrets = {by_api, imported, bad, f"{imported[:1]}-{imported[1:5]}-{imported[5:10]}"}
    seen: list[str] = []
    answer = await client.post(
        "/api/v1/vaccination/residents", json=resident(21, national_id=by_api), headers=headers
    )
    seen.append(answer.text)
    refused = await client.post(
        "/api/v1/vaccination/residents", json=resident(23, national_id=bad), headers=headers
    )
    assert refused.status_code == 422
    seen.append(refused.text)
    rows = [
        f"{imported},เมืองเชียงใหม่,ศรีภูมิ,3,5,สมใจ ดีงาม,2495,หญิง,มี",
        f"{bad},เมืองเชียงใหม่,ศรีภูมิ,3,6,สมหมาย ดีงาม,2495,ชาย,ไม่มี",
    ]
    residents_job = await upload(
        client, headers, tmp_path, "residents.csv", HEADER + "\n".join(rows) + "\n", "residents"
    )
    doses_csv = (
        "เลขประจำตัวประชาชน,เข็มที่,วัคซีน,วันที่ฉีด,สถานที่ฉีด\n"
        f"{imported},2,AstraZeneca,01/09/2564,รพ.นครพิงค์\n"
        f"{imported},1,Sinovac,01/10/2564,รพ.นครพิงค์\n"
        f"{bad},1,Sinovac,01/08/2564,รพ.นครพิงค์\n"
        f"{by_api},1,Sinovac,01/08/2599,รพ.นครพิงค์\n"
    )
    doses_job = await upload(client, headers, tmp_path, "doses.csv", doses_csv, "vaccination_doses")
    factory = create_session_factory(engine)
    while await queue.run_one(factory, "test-worker"):
        pass
    for job in (residents_job, doses_job):
        report = await client.get(f"/api/v1/imports/{job}", headers=headers)
        errors_csv = await client.get(f"/api/v1/imports/{job}/errors.csv", headers=headers)
        seen += [report.text, errors_csv.text]
    residents_report = await client.get(f"/api/v1/imports/{residents_job}", headers=headers)
    assert residents_report.json()["rows_ok"] == 1
    assert [e["column"] for e in residents_report.json()["errors"]] == ["เลขประจำตัวประชาชน"]
    doses_report = (await client.get(f"/api/v1/imports/{doses_job}", headers=headers)).json()
    assert doses_report["created"] == 2
    assert {e["column"] for e in doses_report["errors"]} == {"เลขประจำตัวประชาชน", "วันที่ฉีด"}
    assert [w["message"] for w in doses_report["warnings"]] == [
        "Dose 2 is dated before dose 1 (1 Oct 2021)."
    ]
    listed = await client.get("/api/v1/vaccination/residents?area=50010103", headers=headers)
    seen.append(listed.text)
    with pytest.raises(Invalid) as no_reason:
        await residents.export_person(session, national_id=imported, reason=" ")
    seen.append(str(no_reason.value.problem()))
    with pytest.raises(Invalid) as bad_number:
        await residents.export_person(session, national_id=bad, reason="PDPA request 12")
    seen.append(str(bad_number.value.problem()))
    audit = [
        f"{e.action} {e.subject_id} {e.details}" for e in await session.scalars(select(AuditEntry))
    ]
    jobs = [str(row) for row in await session.execute(text("SELECT payload, result FROM jobs"))]
    seen += audit + jobs + [caplog.text]
    for place in seen:
        for secret in secrets:
            assert secret not in place, place[:300]
    exported = await residents.export_person(
        session, national_id=imported, reason="PDPA access request no. 12"
    )
    await session.commit()
    assert exported["national_id"] == imported
    assert [d["number"] for d in exported["doses"]] == [1, 2]
    logged = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "residents.export_person")
    )
    assert logged.details == {"reason": "PDPA access request no. 12"}
    assert imported not in caplog.text


async def test_a_person_is_deleted_with_their_doses_and_the_reason_is_logged(client, session):
    headers = await coordinator(session)
    made = await client.post("/api/v1/vaccination/residents", json=resident(31), headers=headers)
    dose = {"number": 1, "vaccine": "Pfizer", "given_on": "2022-01-10"}
    await client.post(
        f"/api/v1/vaccination/residents/{made.json()['id']}/doses", json=dose, headers=headers
    )
    gone = await residents.delete_person(
        session, national_id=national_id(31), reason="PDPA erasure request no. 3"
    )
    await session.commit()
    assert gone == 2
    listed = await client.get("/api/v1/vaccination/residents?area=50010103", headers=headers)
    assert listed.json()["items"] == []
    logged = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "residents.delete_person")
    )
    assert logged.details == {"reason": "PDPA erasure request no. 3", "rows": 2}
