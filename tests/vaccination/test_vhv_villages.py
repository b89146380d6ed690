"""Making an อสม. the volunteer of a village: only area staff, only in the อสม.'s home
subdistrict, audit-logged; the follow-up access follows the change at once."""

from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from tests.factories import bearer, make_user, make_volunteer, signed_in
from tests.vaccination.helpers import VILLAGE, coordinator

HTML = {"Accept": "text/html"}
OTHER = "50010105"


async def an_vhv(session, **profile):
    """Return an อสม. living in ศรีภูมิ (500101) and their headers."""
    user = await make_user(session, roles=[Role.VOLUNTEER], display_name="สมศรี")
    volunteer = await make_volunteer(session, user=user, kind="vhv", area_code="500101", **profile)
    volunteer.verified_at = utcnow()
    await session.commit()
    return volunteer, await bearer(session, user)


async def followups(client, headers, village: str) -> int:
    found = await client.get(f"/api/v1/vaccination/followups?area={village}", headers=headers)
    return found.status_code


async def test_a_vhv_set_to_a_village_follows_it_up_and_loses_it_when_moved(client, session):
    volunteer, vhv_headers = await an_vhv(session)
    staff = await coordinator(session)
    path = f"/api/v1/volunteers/{volunteer.id}/village"
    done = await client.put(path, json={"village_code": VILLAGE}, headers=staff)
    assert done.status_code == 200, done.text
    assert done.json()["area_code"] == VILLAGE
    assert (await followups(client, vhv_headers, VILLAGE)) == 200
    assert (await followups(client, vhv_headers, OTHER)) == 403  # no longer the subdistrict's
    moved = await client.put(path, json={"village_code": OTHER}, headers=staff)
    assert moved.status_code == 200
    assert (await followups(client, vhv_headers, VILLAGE)) == 403  # no stale access
    assert (await followups(client, vhv_headers, OTHER)) == 200
    entries = list(
        await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "volunteer.village_set")
        )
    )
    assert [(e.area_code, e.details["previous_area_code"]) for e in entries] == [
        (VILLAGE, "500101"),
        (OTHER, VILLAGE),
    ]


async def test_saving_their_own_profile_keeps_the_vhvs_village(client, session):
    volunteer, vhv_headers = await an_vhv(session)
    staff = await coordinator(session)
    path = f"/api/v1/volunteers/{volunteer.id}/village"
    await client.put(path, json={"village_code": VILLAGE}, headers=staff)
    profile = {"kind": "vhv", "home_lat": 18.789, "home_lon": 98.974, "area_code": "500101"}
    saved = await client.post("/api/v1/volunteers", json=profile, headers=vhv_headers)
    assert saved.status_code == 200 and saved.json()["area_code"] == VILLAGE
    general = await client.post(
        "/api/v1/volunteers", json={**profile, "kind": "general"}, headers=vhv_headers
    )
    assert general.json()["area_code"] == "500101"  # no longer an อสม.: no village


async def test_refusals_name_the_reason(client, session):
    volunteer, _headers = await an_vhv(session)
    other_kind = await make_volunteer(session, area_code="500101")
    path = f"/api/v1/volunteers/{volunteer.id}/village"
    outside = await client.put(
        path, json={"village_code": VILLAGE}, headers=await coordinator(session, "5002")
    )
    assert outside.status_code == 403 and outside.json()["code"] == "auth.out_of_area"
    staff = await coordinator(session)
    away = await client.put(path, json={"village_code": "50010201"}, headers=staff)
    assert away.status_code == 422 and away.json()["errors"][0]["field"] == "village_code"
    bad = await client.put(path, json={"village_code": "50010100"}, headers=staff)
    assert bad.status_code == 422
    not_vhv = await client.put(
        f"/api/v1/volunteers/{other_kind.id}/village",
        json={"village_code": VILLAGE},
        headers=staff,
    )
    assert not_vhv.status_code == 409 and not_vhv.json()["code"] == "volunteers.not_vhv"
    await session.refresh(volunteer)
    assert volunteer.area_code == "500101"


async def test_the_residents_page_lists_the_subdistricts_vhvs_and_sets_one(client, session):
    volunteer, vhv_headers = await an_vhv(session)
    _user, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    headers = {**HTML, **headers}
    page = await client.get(f"/vaccination/residents?area={VILLAGE}", headers=headers)
    assert f'<li data-volunteer-id="{volunteer.id}">สมศรี' in page.text
    set_ = await client.post(
        "/vaccination/residents/vhv",
        data={"village_code": VILLAGE, "volunteer_id": str(volunteer.id)},
        headers=headers,
    )
    assert set_.status_code == 303
    page = await client.get(f"/vaccination/residents?area={VILLAGE}", headers=headers)
    assert "สมศรี ดูแลหมู่บ้านนี้แล้ว" in page.text and "ดูแลหมู่บ้านนี้" in page.text
    assert (await followups(client, vhv_headers, VILLAGE)) == 200
    outsider = {**HTML, **(await coordinator(session, "5002"))}
    refused = await client.post(
        "/vaccination/residents/vhv",
        data={"village_code": OTHER, "volunteer_id": str(volunteer.id)},
        headers=outsider,
    )
    assert refused.status_code == 403
    await session.refresh(volunteer)
    assert volunteer.area_code == VILLAGE


async def test_an_unverified_vhv_sees_no_register(client, session):
    volunteer, headers = await an_vhv(session)
    volunteer.area_code = VILLAGE
    volunteer.verified_at = None  # waiting for the subdistrict's officials
    await session.commit()
    refused = await client.get(f"/api/v1/vaccination/followups?area={VILLAGE}", headers=headers)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "vaccination.vhv_not_verified"
    assert "ยังไม่ได้รับการรับรอง" in refused.json()["detail_th"]
    volunteer.verified_at = utcnow()
    await session.commit()
    assert await followups(client, headers, VILLAGE) == 200


async def test_saving_the_same_home_without_an_area_keeps_the_village_and_verification(
    client, session
):
    volunteer, vhv_headers = await an_vhv(session)
    staff = await coordinator(session)
    await client.put(
        f"/api/v1/volunteers/{volunteer.id}/village", json={"village_code": VILLAGE}, headers=staff
    )
    # The test boundaries go down to districts: the pin alone locates Mueang Chiang Mai (5001).
    profile = {"kind": "vhv", "home_lat": 18.789, "home_lon": 98.974, "available_now": False}
    saved = await client.post("/api/v1/volunteers", json=profile, headers=vhv_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["area_code"] == VILLAGE
    await session.refresh(volunteer)
    assert volunteer.verified_at is not None and not volunteer.available_now
    assert (await followups(client, vhv_headers, VILLAGE)) == 200
    general = await client.post(
        "/api/v1/volunteers", json={**profile, "kind": "general"}, headers=vhv_headers
    )
    assert general.json()["area_code"] == "500101"  # a subdistrict chosen before stays


async def test_a_home_pin_in_another_district_still_moves_the_volunteer(client, session):
    volunteer, vhv_headers = await an_vhv(session)
    # สันทราย (5014): the stored subdistrict 500101 is not inside it.
    profile = {"kind": "vhv", "home_lat": 18.85, "home_lon": 99.04}
    saved = await client.post("/api/v1/volunteers", json=profile, headers=vhv_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["area_code"].startswith("5014")
    await session.refresh(volunteer)
    assert volunteer.verified_at is None  # the new area's staff must vouch again
