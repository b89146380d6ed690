"""A dose recorded by mistake is deleted by the village's อสม. or area staff: audit-logged,
the village's coverage counted again; others are refused, a dose not recorded is a 404."""

from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from tests.vaccination.helpers import VILLAGE, coordinator, resident, vhv

DOSE = {"number": 1, "vaccine": "Sinovac", "given_on": "2021-08-01"}


async def dose_1(client, headers) -> int:
    answer = await client.get(f"/api/v1/vaccination/coverage?area={VILLAGE[:6]}", headers=headers)
    # A village whose register holds no dose has no figures (as before its first dose).
    return next((a["dose_1"] for a in answer.json()["items"] if a["code"] == VILLAGE), 0)


async def test_a_vhv_deletes_a_wrong_dose_and_the_coverage_falls(client, session):
    staff = await coordinator(session)
    made = await client.post("/api/v1/vaccination/residents", json=resident(1), headers=staff)
    resident_id = made.json()["id"]
    doses = f"/api/v1/vaccination/residents/{resident_id}/doses"
    assert (await client.post(doses, json=DOSE, headers=staff)).status_code == 201
    assert await dose_1(client, staff) == 1
    other = await vhv(session, village="50010104")
    refused = await client.delete(f"{doses}/1", headers=other)
    assert refused.status_code == 403
    headers = await vhv(session)
    deleted = await client.delete(f"{doses}/1", headers=headers)
    assert deleted.status_code == 200, deleted.text
    assert (deleted.json()["number"], deleted.json()["given_on"]) == (1, "2021-08-01")
    assert await dose_1(client, staff) == 0
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "doses.delete"))
    assert entry is not None and entry.subject_id == str(resident_id)
    again = await client.delete(f"{doses}/1", headers=headers)
    assert again.status_code == 404 and again.json()["code"] == "vaccination.no_dose"
    assert again.json()["detail_th"] == "ไม่มีบันทึกเข็มที่ 1 ของบุคคลนี้"
    right = await client.post(doses, json={**DOSE, "given_on": "2021-09-01"}, headers=headers)
    assert right.status_code == 201, right.text
    assert (await client.delete(f"{doses}/0", headers=headers)).status_code == 422
