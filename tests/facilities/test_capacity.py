"""Capacity: validation, who may set it, history, freshness and the stale form's 409."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from jitasa.accounts import service as accounts_service
from jitasa.accounts.policy import facility_scope
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.facilities.models import Capacity, Facility, FacilityChange
from tests.facilities.helpers import CHOM_THONG, make_facility
from tests.factories import make_user, signed_in


async def facility_token(session, facility_id: int) -> dict:
    """Return the header of a token that may push this facility's numbers and nothing else."""
    system = await make_user(session, roles=[Role.REQUESTER], display_name="HIS")
    _token, plaintext = await accounts_service.create_token(
        session, user=system, name="hospital system", scope=facility_scope(facility_id)
    )
    await session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


def fields(response) -> list[str]:
    """Return the fields a 422 names."""
    return [e["field"] for e in response.json()["errors"]]


async def test_staff_of_the_area_set_beds_and_the_change_is_kept(client, session):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.put(
        f"/api/v1/facilities/{facility.id}/capacity",
        json={
            "beds_yellow": {"total": 10, "available": 1},
            "beds_red": {"total": 5, "available": 2},
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["free_beds"] == {"red": 2, "yellow": 1, "green": 0}
    assert {c["resource"]: c["available"] for c in body["capacity"]} == {
        "beds_red": 2,
        "beds_yellow": 1,
    }
    assert body["capacity_version"] == 1 and response.headers["etag"] == '"1"'
    assert body["freshness"]["text"] == "updated just now"
    assert body["freshness"]["text_th"] == "อัปเดตเมื่อสักครู่"
    assert body["freshness"]["stale"] is False
    history = (
        await client.get(f"/api/v1/facilities/{facility.id}/history", headers=headers)
    ).json()
    latest = history["items"][0]
    assert (
        latest["kind"] == "capacity" and latest["actor_id"] == staff.id and latest["via"] == "api"
    )
    assert latest["before"] == {"beds_red": None, "beds_yellow": {"total": 10, "available": 4}}
    assert latest["after"] == {
        "beds_red": {"total": 5, "available": 2},
        "beds_yellow": {"total": 10, "available": 1},
    }
    assert [e["kind"] for e in history["items"]] == ["capacity", "created"]


async def test_same_numbers_again_record_a_check_and_refresh_the_date(client, session):
    facility = await make_facility(session, beds={"beds_green": (30, 12)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    response = await client.put(
        f"/api/v1/facilities/{facility.id}/capacity",
        json={"beds_green": {"total": 30, "available": 12}},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["capacity_version"] == 0  # nothing changed: still the same version
    kinds = list(
        await session.scalars(
            select(FacilityChange.kind)
            .where(FacilityChange.facility_id == facility.id)
            .order_by(FacilityChange.id)
        )
    )
    assert kinds == ["created", "checked"]
    assert response.json()["freshness"]["updated_at"] > facility.updated_at.isoformat()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"beds_yellow": {"total": 3, "available": 4}}, "beds_yellow.available"),
        ({"beds_red": {"total": -1, "available": 0}}, "beds_red.total"),
        ({"beds_red": {"total": 1_000_001, "available": 0}}, "beds_red.total"),
        ({"beds_red": {"total": 5, "available": -2}}, "beds_red.available"),
        ({"beds_purple": {"total": 5, "available": 2}}, "beds_purple"),
        ({"oxygen": {"total": 5}}, "oxygen.available"),
        ({"oxygen": {"total": 5, "available": 1, "used": 4}}, "oxygen.used"),
        ({}, "body"),
    ],
)
async def test_bad_numbers_are_a_422_naming_the_field(client, session, body, field):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.put(
        f"/api/v1/facilities/{facility.id}/capacity", json=body, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in fields(response)
    assert all(e["message_th"] for e in response.json()["errors"])
    rows = list(await session.scalars(select(Capacity).where(Capacity.facility_id == facility.id)))
    assert [(r.resource, r.total, r.available) for r in rows] == [("beds_yellow", 10, 4)]


async def test_an_empty_report_is_refused_and_leaves_the_numbers_as_old_as_they_were(
    client, session
):
    facility = await make_facility(session, beds={"beds_green": (30, 12)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    url = f"/api/v1/facilities/{facility.id}/capacity"
    before = (await client.get(f"/api/v1/facilities/{facility.id}")).json()["freshness"]
    response = await client.put(url, json={}, headers=headers)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["message"].startswith("Nothing was reported: give the total and free numbers")
    assert error["message_th"].startswith("ไม่ได้รายงานตัวเลขใดเลย")
    after = (await client.get(f"/api/v1/facilities/{facility.id}")).json()["freshness"]
    assert after["updated_at"] == before["updated_at"]
    kinds = await session.scalars(
        select(FacilityChange.kind).where(FacilityChange.facility_id == facility.id)
    )
    assert list(kinds) == ["created"]  # not "checked": nobody reported anything


async def test_capacity_errors_name_the_resource_in_words_people_use(client, session):
    facility = await make_facility(session, beds={"beds_red": (4, 1)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    url = f"/api/v1/facilities/{facility.id}/capacity"
    more = await client.put(url, json={"beds_red": {"total": 4, "available": 5}}, headers=headers)
    [error] = more.json()["errors"]
    assert error["field"] == "beds_red.available"  # the key, for programs
    assert error["message"] == "Red beds (severe): free (5) must not be more than the total (4)."
    assert error["message_th"] == ("เตียงสีแดง (อาการรุนแรง): ว่าง (5) ต้องไม่มากกว่าจำนวนทั้งหมด (4)")
    assert more.json()["detail"] == error["message"]
    negative = await client.put(
        url, json={"beds_red": {"total": -1, "available": 0}}, headers=headers
    )
    assert negative.json()["errors"][0]["message_th"].startswith("เตียงสีแดง (อาการรุนแรง) ทั้งหมด")


async def test_who_may_set_capacity(client, session):
    here = await make_facility(session, beds={"beds_yellow": (10, 4)})
    there = await make_facility(session, name_th="โรงพยาบาลจอมทอง", **CHOM_THONG)
    assert (here.area_code[:4], there.area_code[:4]) == ("5001", "5002")
    body = {"beds_yellow": {"total": 10, "available": 3}}
    own_token = await facility_token(session, here.id)
    other_token = await facility_token(session, there.id)
    cases = [
        ({}, 401),
        ((await signed_in(session))[1], 403),  # a requester
        ((await signed_in(session, roles=[Role.VOLUNTEER]))[1], 403),
        ((await signed_in(session, roles=[Role.COORDINATOR], area_code="5002"))[1], 403),
        ((await signed_in(session, roles=[Role.COORDINATOR], area_code="5001"))[1], 200),
        ((await signed_in(session, roles=[Role.COORDINATOR], area_code="50"))[1], 200),
        ((await signed_in(session, roles=[Role.ADMIN]))[1], 200),
        (own_token, 200),
        (other_token, 403),
    ]
    for headers, expected in cases:
        response = await client.put(
            f"/api/v1/facilities/{here.id}/capacity", json=body, headers=headers
        )
        assert response.status_code == expected, (headers, response.text)
    refused = await client.put(
        f"/api/v1/facilities/{here.id}/capacity", json=body, headers=other_token
    )
    assert refused.json()["code"] == "auth.token_scope"
    history = list(
        await session.scalars(
            select(FacilityChange.via)
            .where(FacilityChange.facility_id == here.id)
            .order_by(FacilityChange.id)
        )
    )
    assert history == ["test", "api", "api", "api", "token"]


async def test_a_facility_token_does_nothing_else(client, session):
    facility = await make_facility(session)
    token = await facility_token(session, facility.id)
    assert (await client.get("/api/v1/me", headers=token)).status_code == 403
    history = await client.get(f"/api/v1/facilities/{facility.id}/history", headers=token)
    assert history.status_code == 403
    assert history.json()["code"] == "auth.token_scope"
    assert (await client.get(f"/api/v1/facilities/{facility.id}")).status_code == 200


async def test_history_is_for_area_staff(client, session):
    facility = await make_facility(session)
    path = f"/api/v1/facilities/{facility.id}/history"
    assert (await client.get(path)).status_code == 401
    outside = (await signed_in(session, roles=[Role.COORDINATOR], area_code="5002"))[1]
    assert (await client.get(path, headers=outside)).status_code == 403
    inside = (await signed_in(session, roles=[Role.COORDINATOR], area_code="5001"))[1]
    assert (await client.get(path, headers=inside)).status_code == 200


async def test_a_stale_form_is_a_409_showing_both_never_an_overwrite(client, session):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    path = f"/api/v1/facilities/{facility.id}/capacity"
    loaded = (await client.get(f"/api/v1/facilities/{facility.id}")).headers["etag"]
    first = await client.put(
        path,
        json={"beds_yellow": {"total": 10, "available": 2}},
        headers={**headers, "If-Match": loaded},
    )
    assert first.status_code == 200
    second = await client.put(
        path,
        json={"beds_yellow": {"total": 10, "available": 7}},
        headers={**headers, "If-Match": loaded},
    )
    assert second.status_code == 409, second.text
    problem = second.json()
    assert problem["code"] == "facilities.stale_capacity"
    assert problem["current"] == {"beds_yellow": {"total": 10, "available": 2}}
    assert problem["submitted"] == {"beds_yellow": {"total": 10, "available": 7}}
    assert problem["current_version"] == 1
    assert problem["detail_th"] != problem["detail"]
    now = (await client.get(f"/api/v1/facilities/{facility.id}")).json()
    assert now["free_beds"]["yellow"] == 2
    again = await client.put(
        path,
        json={"beds_yellow": {"total": 10, "available": 7}},
        headers={**headers, "If-Match": '"1"'},
    )
    assert again.status_code == 200 and again.json()["free_beds"]["yellow"] == 7


async def test_numbers_not_checked_for_a_day_are_stale(client, session):
    facility = await make_facility(session)
    row = await session.get(Facility, facility.id)
    row.updated_at = utcnow() - timedelta(hours=30)
    await session.commit()
    freshness = (await client.get(f"/api/v1/facilities/{facility.id}")).json()["freshness"]
    assert freshness["stale"] is True
    assert freshness["text"] == "updated 30 h ago"
    assert freshness["text_th"] == "อัปเดตเมื่อ 30 ชม. ที่แล้ว"


async def test_staff_add_a_facility_located_in_their_area_once_per_key(client, session):
    body = {"type": "field_hospital", "name_th": "โรงพยาบาลสนามทดสอบ", "lat": 18.8, "lon": 99.005}
    inside = (await signed_in(session, roles=[Role.COORDINATOR], area_code="5001"))[1]
    outside = (await signed_in(session, roles=[Role.COORDINATOR], area_code="5002"))[1]
    refused = await client.post("/api/v1/facilities", json=body, headers=outside)
    assert refused.status_code == 403 and refused.json()["code"] == "auth.out_of_area"
    keyed = {**inside, "Idempotency-Key": "field-1"}
    first = await client.post("/api/v1/facilities", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    assert first.json()["area_code"].startswith("5001")
    again = await client.post("/api/v1/facilities", json=body, headers=keyed)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    listed = (await client.get("/api/v1/facilities")).json()["items"]
    assert len(listed) == 1
    unknown = await client.post(
        "/api/v1/facilities", json={**body, "type": "castle"}, headers=inside
    )
    assert unknown.status_code == 422 and fields(unknown) == ["type"]
    at_sea = {**body, "lat": 10.0, "lon": 101.5, "area_code": "5001"}  # mid-gulf, named inland
    refused = await client.post("/api/v1/facilities", json=at_sea, headers=inside)
    assert refused.status_code == 422 and fields(refused) == ["lat"]


async def test_staff_mark_a_facility_full_and_the_map_and_history_follow(client, session):
    facility = await make_facility(session, beds={"beds_red": (4, 0)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.patch(
        f"/api/v1/facilities/{facility.id}", json={"status": "full"}, headers=headers
    )
    assert response.status_code == 200 and response.json()["status"] == "full"
    box = {"bbox": "98.3,17.7,99.6,20.1", "zoom": 9, "layers": "facilities"}
    full = await client.get("/api/v1/map", params={**box, "status": "full"})
    assert full.json()["totals"]["facilities"] == 1
    opened = await client.get("/api/v1/map", params={**box, "status": "open"})
    assert opened.json()["totals"]["facilities"] == 0
    history = await client.get(f"/api/v1/facilities/{facility.id}/history", headers=headers)
    latest = history.json()["items"][0]
    assert (latest["kind"], latest["before"], latest["after"]) == (
        "edited",
        {"status": "open"},
        {"status": "full"},
    )
    bad = await client.patch(
        f"/api/v1/facilities/{facility.id}", json={"status": "asleep"}, headers=headers
    )
    assert bad.status_code == 422 and fields(bad) == ["status"]
