"""Assigning from a list: who could take a request, nearest first, and why someone cannot."""

from jitasa.accounts.models import User
from jitasa.core.words import Role
from tests.factories import signed_in
from tests.help_requests.helpers import events_of, make_request, reload, volunteer


async def _named(session, profile, name: str) -> None:
    """Give a volunteer's account a display name."""
    user = await session.get(User, profile.user_id)
    user.display_name = name
    await session.commit()


async def test_candidates_are_verified_available_nearest_first_with_tasks_held(client, session):
    help_request = await make_request(session)  # Mueang Chiang Mai
    near, _ = await volunteer(session, home_lat=18.79, home_lon=98.99, kind="vhv", vehicle="pickup")
    far, _ = await volunteer(session, home_lat=18.70, home_lon=98.95)
    await volunteer(session, verified=False, home_lat=18.7884, home_lon=98.9854)
    await volunteer(session, available_now=False, home_lat=18.7884, home_lon=98.9854)
    await volunteer(session, home_lat=13.75, home_lon=100.5)  # Bangkok: too far to list
    await _named(session, near, "สมศรี ใจดี")
    held = await make_request(session, lat=18.80, lon=98.98)
    held.status, held.claimed_by_id = "claimed", near.user_id
    await session.commit()
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")

    response = await client.get(f"/api/v1/requests/{help_request.id}/candidates", headers=headers)

    assert response.status_code == 200, response.text
    found = response.json()
    assert [c["volunteer_id"] for c in found] == [near.id, far.id]
    assert found[0]["name"] == "สมศรี ใจดี"
    assert (found[0]["kind"], found[0]["vehicle"], found[0]["tasks_held"]) == ("vhv", "pickup", 1)
    assert found[1]["tasks_held"] == 0
    assert found[0]["distance_km"] < found[1]["distance_km"]


async def test_candidates_are_for_area_staff_only(client, session):
    help_request = await make_request(session)
    _profile, volunteer_headers = await volunteer(session)
    _other, outsider = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    for headers in (volunteer_headers, outsider):
        response = await client.get(
            f"/api/v1/requests/{help_request.id}/candidates", headers=headers
        )
        assert response.status_code == 403


async def test_unavailable_volunteer_is_refused_with_their_name(client, session):
    help_request = await make_request(session)
    profile, _ = await volunteer(session, available_now=False)
    await _named(session, profile, "สมชาย")
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=headers,
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "assign.unavailable_volunteer"
    assert "สมชาย" in body["detail"] and "สมชาย" in body["detail_th"]
    assert body["detail_th"] != body["detail"]
    assert (await reload(session, help_request.id)).status == "open"


async def test_reassigning_names_the_holder_and_needs_confirmation(client, session):
    help_request = await make_request(session)
    (first, _), (second, _) = [await volunteer(session) for _ in "ab"]
    await _named(session, first, "นายแดง")
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    url = f"/api/v1/requests/{help_request.id}/assign"
    assert (await client.post(url, json={"volunteer_id": first.id}, headers=headers)).is_success

    unconfirmed = await client.post(url, json={"volunteer_id": second.id}, headers=headers)
    assert unconfirmed.status_code == 409
    assert unconfirmed.json()["code"] == "request.taken"
    assert "นายแดง" in unconfirmed.json()["detail_th"]
    assert (await reload(session, help_request.id)).claimed_by_id == first.user_id

    confirmed = await client.post(
        url, json={"volunteer_id": second.id, "reassign": True}, headers=headers
    )
    assert confirmed.status_code == 200, confirmed.text
    assigned = [e for e in await events_of(session, help_request.id) if e.kind == "assigned"]
    assert [e.details for e in assigned] == [
        {"to_user_id": first.user_id, "from_user_id": None},
        {"to_user_id": second.user_id, "from_user_id": first.user_id},
    ]
    assert {e.actor_id for e in assigned} == {coordinator.id}
