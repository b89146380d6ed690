"""Claims cannot harvest personal data: reach, open claims, release churn, view after release."""

from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core.geo import distance_km
from jitasa.core.words import Role
from tests.factories import signed_in
from tests.help_requests.helpers import CHOM_THONG, events_of, make_request, volunteer

PHONE = {"contact_phone": "089 765 4321", "contact_name": "Somsri"}


async def claim(client, request_id: int, headers: dict[str, str], **extra: str):
    """Claim a request as the signed-in helper."""
    return await client.post(f"/api/v1/requests/{request_id}/claim", headers={**headers, **extra})


async def release(client, request_id: int, headers: dict[str, str]):
    """Give a claimed request back."""
    return await client.post(
        f"/api/v1/requests/{request_id}/transition", headers=headers, json={"to": "open"}
    )


async def audit_rows(session, action: str) -> list[AuditEntry]:
    """Return the audit log's entries of one action, oldest first."""
    statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list((await session.scalars(statement)).all())


async def test_claim_outside_the_volunteers_service_radius_is_refused(client, session):
    far = await make_request(session, **CHOM_THONG)  # ~55 km from the volunteer's home
    near = await make_request(session)
    _profile, headers = await volunteer(session)  # home in Mueang Chiang Mai, 5 km radius

    refused = await claim(client, far.id, headers)
    assert refused.status_code == 403
    problem = refused.json()
    assert problem["code"] == "claims.out_of_reach"
    assert "5.0 km" in problem["detail"] and "5.0 กม." in problem["detail_th"]
    assert problem["detail_th"] != problem["detail"]
    assert "contact_phone" not in problem
    assert (await claim(client, near.id, headers)).status_code == 200


async def test_reach_is_measured_to_the_public_pin_never_the_exact_one(client, session):
    # A refusal's yes/no and its distance would walk a volunteer moving their home pin to the
    # exact place; from the public pin they tell nothing the public map does not.
    target = await make_request(session)
    public_km = distance_km(target.lat, target.lon, target.public_lat, target.public_lon)
    assert public_km >= 0.1  # the test's pin lies away from its cell's centre
    profile, headers = await volunteer(session, home_lat=target.lat, home_lon=target.lon)
    profile.service_radius_km = public_km / 2  # the exact pin within it, the public one beyond
    await session.commit()

    refused = await claim(client, target.id, headers)

    assert refused.status_code == 403
    assert refused.json()["code"] == "claims.out_of_reach"
    assert f"is {round(public_km, 1)} km from your home" in refused.json()["detail"]
    profile.service_radius_km = public_km + 0.01
    await session.commit()
    assert (await claim(client, target.id, headers)).status_code == 200


async def test_staff_claim_only_in_their_own_area(client, session):
    in_5001 = await make_request(session)
    in_5002 = await make_request(session, **CHOM_THONG)
    _other, elsewhere = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    _own, own = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    refused = await claim(client, in_5001.id, elsewhere)
    assert refused.status_code == 403
    assert refused.json()["code"] == "claims.no_home"
    assert (await claim(client, in_5001.id, own)).status_code == 200
    assert (await claim(client, in_5002.id, elsewhere)).status_code == 200


async def test_unverified_volunteer_holds_one_open_claim_verified_more(client, session):
    first, second, third = [await make_request(session) for _ in range(3)]
    _new, unverified = await volunteer(session, verified=False)
    _known, verified = await volunteer(session)

    assert (await claim(client, first.id, unverified)).status_code == 200
    capped = await claim(client, second.id, unverified)
    assert capped.status_code == 409
    assert capped.json()["code"] == "claims.too_many_open"
    assert "1" in capped.json()["detail"]
    assert (await release(client, first.id, unverified)).status_code == 200
    assert (await claim(client, second.id, unverified)).status_code == 200

    assert (await claim(client, first.id, verified)).status_code == 200
    assert (await claim(client, third.id, verified)).status_code == 200


async def test_release_churn_is_limited_per_hour_and_recorded_for_coordinators(client, session):
    help_request = await make_request(session)
    profile, headers = await volunteer(session)
    for _ in range(3):  # JITASA_RELEASES_PER_HOUR's default
        assert (await claim(client, help_request.id, headers)).status_code == 200
        assert (await release(client, help_request.id, headers)).status_code == 200
    assert (await claim(client, help_request.id, headers)).status_code == 200

    refused = await release(client, help_request.id, headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == "claims.too_many_releases"
    assert int(refused.headers["Retry-After"]) > 0

    released = await audit_rows(session, "request.released")
    assert [(r.actor_id, r.area_code, r.subject_id) for r in released] == [
        (profile.user_id, "5001", str(help_request.id))
    ] * 3
    kinds = [e.kind for e in await events_of(session, help_request.id)]
    assert kinds.count("released") == 3
    _staff, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    seen = await client.get(
        "/api/v1/audit", headers=staff, params={"area": "5001", "action": "request.released"}
    )
    assert seen.status_code == 200
    assert len(seen.json()) == 3  # the area's coordinators see every release


async def test_full_view_is_gone_after_release_even_on_replay(client, session):
    help_request = await make_request(session, **PHONE)
    profile, headers = await volunteer(session)
    url = f"/api/v1/requests/{help_request.id}"

    claimed = await claim(client, help_request.id, headers, **{"Idempotency-Key": "claim-1"})
    assert claimed.json()["contact_phone"] == "+66897654321"
    assert (await release(client, help_request.id, headers)).status_code == 200

    assert "contact_phone" not in (await client.get(url, headers=headers)).json()
    replayed = await claim(client, help_request.id, headers, **{"Idempotency-Key": "claim-1"})
    assert "contact_phone" not in replayed.json()
    assert "897654321" not in replayed.text.replace(" ", "") and "Somsri" not in replayed.text
    claims = await audit_rows(session, "personal_data.claim")
    assert [(r.actor_id, r.subject_id) for r in claims] == [(profile.user_id, str(help_request.id))]
