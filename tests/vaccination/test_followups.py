"""Residents, doses and the อสม.'s follow-up list through the API; who may see them."""

from sqlalchemy import func, select

from jitasa.audit.models import AuditEntry
from jitasa.vaccination.models import Dose
from tests.vaccination.helpers import VILLAGE, coordinator, national_id, resident, vhv

DOSE = {"number": 1, "vaccine": "Sinovac", "given_on": "2021-08-01", "place": "รพ.สต.ศรีภูมิ"}


async def test_an_added_resident_is_answered_masked_and_listed_with_an_audit_entry(client, session):
    headers = await coordinator(session)
    answer = await client.post("/api/v1/vaccination/residents", json=resident(1), headers=headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    digits = national_id(1)
    assert body["national_id_masked"] == f"{digits[0]}-{digits[1:5]}-xxxxx-xx-{digits[12]}"
    assert body["birth_year"] == 1947 and body["aged_60"] is True
    assert body["village_code"] == VILLAGE
    listed = await client.get(f"/api/v1/vaccination/residents?area={VILLAGE}", headers=headers)
    assert [r["name"] for r in listed.json()["items"]] == ["ผู้อยู่อาศัย 1"]
    assert digits not in listed.text
    reads = await session.scalar(select(func.count()).where(AuditEntry.action == "residents.read"))
    assert reads == 1
    again = await client.post("/api/v1/vaccination/residents", json=resident(1), headers=headers)
    assert again.status_code == 409 and digits not in again.text
    assert VILLAGE in again.json()["detail"]  # the same village: it may be named
    # Registered elsewhere: refused without saying where (a national ID must locate no one).
    moved = resident(1, village_number=4)
    elsewhere = await client.post("/api/v1/vaccination/residents", json=moved, headers=headers)
    assert elsewhere.status_code == 409, elsewhere.text
    assert elsewhere.json()["code"] == "vaccination.already_registered"
    assert VILLAGE not in elsewhere.text and VILLAGE[:6] not in elsewhere.json()["detail"]
    assert "หมู่บ้านอื่น" in elsewhere.json()["detail_th"]


async def test_a_vhv_follows_up_their_village_nearest_first_and_a_repeat_records_once(
    client, session
):
    staff = await coordinator(session)
    far = resident(2, household_lat=18.80, household_lon=98.99)
    near = resident(3, household_lat=18.7891, household_lon=98.9741)
    young = resident(4, birth_year=2000)  # CE, not in the 608 group
    unpinned = resident(5, birth_year=1990, chronic_disease=True)
    for body in (far, near, young, unpinned):
        answer = await client.post("/api/v1/vaccination/residents", json=body, headers=staff)
        assert answer.status_code == 201, answer.text
    headers = await vhv(session)
    url = f"/api/v1/vaccination/followups?area={VILLAGE}&lat=18.789&lon=98.974"
    listed = (await client.get(url, headers=headers)).json()
    assert [i["household"] for i in listed["items"]] == ["3", "2", "5"]
    assert listed["items"][2]["reasons"] == ["chronic"]
    assert (listed["priority_residents"], listed["fully_vaccinated"]) == (3, 0)
    first = listed["items"][0]
    path = f"/api/v1/vaccination/residents/{first['resident_id']}/doses"
    key = {**headers, "Idempotency-Key": "offline-1"}
    sent = [await client.post(path, json=DOSE, headers=key) for _ in range(2)]
    assert [s.status_code for s in sent] == [201, 201] and sent[0].json() == sent[1].json()
    assert await session.scalar(select(func.count()).select_from(Dose)) == 1
    after = (await client.get(url, headers=headers)).json()
    assert after["items"][0]["next_dose"] == 2
    figures = await client.get("/api/v1/vaccination/register-figures?area=500101", headers=staff)
    assert figures.json()["total"] | {"village_code": "", "name_th": ""} == {
        "village_code": "",
        "name_th": "",
        "residents": 4,
        "priority": 3,
        "dose_1": 1,
        "dose_2": 0,
        "dose_3": 0,
    }
    assert figures.json()["villages"][0]["name_th"] == "หมู่ที่ 3"


async def test_a_vhv_of_another_village_and_a_volunteer_are_refused(client, session):
    other = await vhv(session, village="50010104")
    assert (
        await client.get(f"/api/v1/vaccination/followups?area={VILLAGE}", headers=other)
    ).status_code == 403
    assert (
        await client.get("/api/v1/vaccination/followups?area=50010104", headers=other)
    ).status_code == 200


async def test_doses_out_of_order_warn_and_future_ones_are_refused(client, session):
    headers = await coordinator(session)
    made = await client.post("/api/v1/vaccination/residents", json=resident(6), headers=headers)
    path = f"/api/v1/vaccination/residents/{made.json()['id']}/doses"
    first = await client.post(path, json=DOSE, headers=headers)
    assert first.json()["warnings"] == []
    second = await client.post(
        path, json={**DOSE, "number": 2, "given_on": "2021-07-01"}, headers=headers
    )
    assert second.status_code == 201
    assert second.json()["warnings"] == ["Dose 2 is dated before dose 1 (1 Aug 2021)."]
    assert second.json()["warnings_th"] == ["เข็มที่ 2 ลงวันที่ก่อนเข็มที่ 1 (1 ส.ค. 2564)"]
    future = await client.post(
        path, json={**DOSE, "number": 3, "given_on": "2099-01-01"}, headers=headers
    )
    assert future.status_code == 422 and future.json()["code"] == "vaccination.future_date"
    [refused] = future.json()["errors"]
    assert refused["message"].startswith("The date 1 Jan 2099 is in the future;")
    assert "1 ม.ค. 2642" in refused["message_th"]
    twice = await client.post(path, json=DOSE, headers=headers)
    assert twice.status_code == 409
    assert twice.json()["detail"] == "Dose 1 of this person is already recorded (1 Aug 2021)."
    assert twice.json()["detail_th"] == "บันทึกเข็มที่ 1 ของบุคคลนี้ไว้แล้ว (1 ส.ค. 2564)"


async def test_bad_resident_input_names_the_field_in_thai_and_english(client, session):
    headers = await coordinator(session)
    wrong = national_id(7)[:-1] + str((int(national_id(7)[-1]) + 1) % 10)
    answers = {
        "national_id": await client.post(
            "/api/v1/vaccination/residents", json=resident(7, national_id=wrong), headers=headers
        ),
        "village_number": await client.post(
            "/api/v1/vaccination/residents", json=resident(8, village_number=100), headers=headers
        ),
        "birth_year": await client.post(
            "/api/v1/vaccination/residents", json=resident(9, birth_year=2300), headers=headers
        ),
    }
    for field, answer in answers.items():
        assert answer.status_code == 422, answer.text
        assert field in answer.text or "birth" in answer.json()["detail"].lower()
        assert answer.json()["detail_th"]
    assert wrong not in answers["national_id"].text
    unknown = await client.post(
        "/api/v1/vaccination/residents",
        json=resident(10, subdistrict_code="509999"),
        headers=await coordinator(session, area="50"),
    )
    assert unknown.status_code == 422 and "509999" in unknown.json()["detail"]


async def test_a_dose_recorded_from_the_phone_raises_the_villages_coverage(client, session):
    headers = await coordinator(session)
    made = await client.post("/api/v1/vaccination/residents", json=resident(11), headers=headers)
    path = f"/api/v1/vaccination/residents/{made.json()['id']}/doses"
    sent = await client.post(path, json=DOSE, headers={**headers, "Idempotency-Key": "k-11"})
    again = await client.post(path, json=DOSE, headers={**headers, "Idempotency-Key": "k-11"})
    assert (sent.status_code, again.status_code) == (201, 201)
    answer = await client.get("/api/v1/vaccination/coverage?area=500101", headers=headers)
    assert answer.status_code == 200, answer.text
    village = next(a for a in answer.json()["items"] if a["code"] == VILLAGE)
    assert (village["population"], village["dose_1"]) == (1, 1)
