"""The volunteer roster and verification: area staff only, audited, in their own area."""

import asyncio

import pytest
from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role
from tests.factories import bearer, make_user, make_volunteer, signed_in

CHOM_THONG = {"home_lat": 18.4167, "home_lon": 98.675}  # district 5002


async def audit_entries(session, action: str) -> list[AuditEntry]:
    """Return the audit entries of one action, oldest first."""
    statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list((await session.scalars(statement)).all())


async def test_district_coordinator_lists_and_verifies_a_volunteer_of_the_district(client, session):
    volunteer = await make_volunteer(session, kind="vhv")
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    roster = await client.get("/api/v1/volunteers", headers=headers)
    assert roster.status_code == 200, roster.text
    assert [v["id"] for v in roster.json()["items"]] == [volunteer.id]
    assert roster.json()["items"][0]["phone"] == volunteer.user.phone
    verified = await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    assert verified.json()["verified_by_id"] == coordinator.id

    (read,) = await audit_entries(session, "personal_data.read")
    assert (read.actor_id, read.subject_type) == (coordinator.id, "volunteers")
    assert read.details == {"area": "5001", "count": 1}
    (verification,) = await audit_entries(session, "volunteer.verified")
    assert (verification.actor_id, verification.subject_id) == (coordinator.id, str(volunteer.id))
    assert verification.area_code == "5001"


async def test_coordinator_of_another_district_is_refused_as_out_of_area(client, session):
    volunteer = await make_volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    responses = [
        await client.get("/api/v1/volunteers", params={"area": "5001"}, headers=headers),
        await client.get(f"/api/v1/volunteers/{volunteer.id}", headers=headers),
        await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert {r.json()["code"] for r in responses} == {"auth.out_of_area"}
    assert await audit_entries(session, "personal_data.read") == []


async def test_own_district_roster_never_shows_another_district(client, session):
    await make_volunteer(session, **CHOM_THONG)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    roster = await client.get("/api/v1/volunteers", headers=headers)
    assert roster.json() == {"items": [], "next_cursor": None}
    assert await audit_entries(session, "personal_data.read") == []


async def test_province_coordinator_may_verify_a_volunteer_of_its_districts(client, session):
    volunteer = await make_volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    response = await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers)
    assert response.status_code == 200
    roster = await client.get("/api/v1/volunteers", params={"area": "5001"}, headers=headers)
    assert [v["id"] for v in roster.json()["items"]] == [volunteer.id]


async def test_admin_lists_every_area_and_verifies_anywhere(client, session):
    in_city = await make_volunteer(session)
    at_sea = await make_volunteer(session, home_lat=12.93, home_lon=100.86, area_code="2004")
    _admin, headers = await signed_in(session, roles=[Role.ADMIN])
    roster = await client.get("/api/v1/volunteers", headers=headers)
    assert [v["id"] for v in roster.json()["items"]] == [in_city.id, at_sea.id]
    response = await client.post(f"/api/v1/volunteers/{at_sea.id}/verify", headers=headers)
    assert response.status_code == 200
    (read,) = await audit_entries(session, "personal_data.read")
    assert read.details == {"area": None, "count": 2}


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.REQUESTER])
async def test_volunteers_and_requesters_may_not_see_or_verify_others(client, session, role):
    volunteer = await make_volunteer(session)
    _user, headers = await signed_in(session, roles=[role])
    responses = [
        await client.get("/api/v1/volunteers", params={"area": "5001"}, headers=headers),
        await client.get(f"/api/v1/volunteers/{volunteer.id}", headers=headers),
        await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert {r.json()["code"] for r in responses} == {"auth.forbidden"}


async def test_a_volunteer_may_not_verify_themself(client, session):
    volunteer = await make_volunteer(session)
    headers = await bearer(session, volunteer.user)
    response = await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers)
    assert response.status_code == 403


async def test_anonymous_is_asked_to_sign_in(client, session):
    volunteer = await make_volunteer(session)
    responses = [
        await client.get("/api/v1/volunteers", params={"area": "5001"}),
        await client.get(f"/api/v1/volunteers/{volunteer.id}"),
        await client.post(f"/api/v1/volunteers/{volunteer.id}/verify"),
    ]
    assert [r.status_code for r in responses] == [401, 401, 401]
    assert {r.json()["code"] for r in responses} == {"auth.required"}


async def test_unknown_volunteer_is_404(client, session):
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    response = await client.get("/api/v1/volunteers/999999", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "volunteers.not_found"


async def test_verifying_twice_is_a_conflict(client, session):
    volunteer = await make_volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    first = await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers)
    second = await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers)
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["code"] == "volunteers.already_verified"
    assert len(await audit_entries(session, "volunteer.verified")) == 1


async def test_of_simultaneous_verifications_exactly_one_wins(client, session):
    volunteer = await make_volunteer(session)
    coordinators = [
        await signed_in(session, roles=[Role.COORDINATOR], area_code=area)
        for area in ("50", "5001")
    ]
    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=headers)
            for _coordinator, headers in coordinators
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    assert len(await audit_entries(session, "volunteer.verified")) == 1


async def _verified_volunteer_headers(client, session) -> tuple[int, dict[str, str]]:
    """Register a volunteer in 5001 through the API, verify them; return id and their headers."""
    user = await make_user(session, roles=[Role.REQUESTER])
    volunteer = await make_volunteer(session, user=user)
    _coordinator, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    await client.post(f"/api/v1/volunteers/{volunteer.id}/verify", headers=staff)
    return volunteer.id, await bearer(session, user)


async def test_moving_home_to_another_district_clears_verification(client, session):
    volunteer_id, headers = await _verified_volunteer_headers(client, session)
    moved = await client.post(
        "/api/v1/volunteers", json={"kind": "general", **CHOM_THONG}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["area_code"] == "5002"
    assert (moved.json()["verified"], moved.json()["verified_at"]) == (False, None)
    (cleared,) = await audit_entries(session, "volunteer.verification_cleared")
    assert cleared.subject_id == str(volunteer_id)
    assert cleared.details["new_area_code"] == "5002"


async def test_moving_far_within_the_district_clears_verification(client, session):
    _volunteer_id, headers = await _verified_volunteer_headers(client, session)
    moved = await client.post(
        "/api/v1/volunteers",
        json={"kind": "general", "home_lat": 18.80, "home_lon": 98.99},
        headers=headers,
    )
    assert moved.json()["area_code"] == "5001"
    assert moved.json()["verified"] is False


async def test_correcting_the_pin_slightly_keeps_verification(client, session):
    _volunteer_id, headers = await _verified_volunteer_headers(client, session)
    corrected = await client.post(
        "/api/v1/volunteers",
        json={"kind": "general", "home_lat": 18.7895, "home_lon": 98.9745, "skills": ["cook"]},
        headers=headers,
    )
    assert corrected.json()["verified"] is True
    assert corrected.json()["skills"] == ["cook"]


async def test_roster_filters_unverified_and_pages_by_cursor(client, session):
    volunteers = [await make_volunteer(session) for _ in range(5)]
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    await client.post(f"/api/v1/volunteers/{volunteers[1].id}/verify", headers=headers)

    seen, cursor = [], None
    for _ in range(5):
        params = {"verified": "false", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/volunteers", params=params, headers=headers)).json()
        seen += [v["id"] for v in page["items"]]
        assert all(v["verified"] is False for v in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [v.id for i, v in enumerate(volunteers) if i != 1]
    verified = await client.get("/api/v1/volunteers", params={"verified": "true"}, headers=headers)
    assert [v["id"] for v in verified.json()["items"]] == [volunteers[1].id]


async def test_reading_a_profile_is_audited_unless_it_is_ones_own(client, session):
    coordinator = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    own = await make_volunteer(session, user=coordinator)
    other = await make_volunteer(session)
    headers = await bearer(session, coordinator)
    assert (await client.get(f"/api/v1/volunteers/{own.id}", headers=headers)).status_code == 200
    assert await audit_entries(session, "personal_data.read") == []
    response = await client.get(f"/api/v1/volunteers/{other.id}", headers=headers)
    assert response.json()["phone"] == other.user.phone
    (read,) = await audit_entries(session, "personal_data.read")
    assert (read.subject_id, read.area_code, read.details["count"]) == (str(other.id), "5001", 1)
