"""Volunteers' "near me" list, the duplicate warning before submission, and merging duplicates."""

from datetime import timedelta

import pytest
from pydantic import TypeAdapter

from jitasa.core import geo
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.help_requests.schemas import NearbyRequest
from tests.factories import make_user, signed_in
from tests.help_requests.helpers import (
    CHIANG_MAI,
    events_of,
    field_names,
    make_request,
    put_in_status,
    reload,
    volunteer,
)

METRES_PER_DEGREE = 111_195  # of latitude


def north_of(metres: float, origin: dict = CHIANG_MAI) -> dict:
    """Return the point this many metres north of the origin."""
    return {"lat": round(origin["lat"] + metres / METRES_PER_DEGREE, 6), "lon": origin["lon"]}


async def nearby(client, headers, **params):
    """Ask for open requests near Chiang Mai city (or the given point)."""
    return await client.get(
        "/api/v1/requests/nearby", params={**CHIANG_MAI, **params}, headers=headers
    )


async def test_nearby_lists_open_requests_within_the_radius_nearest_first(client, session):
    far = await make_request(session, **north_of(3000))
    near = await make_request(session, **north_of(1000))
    middle = await make_request(session, category="oxygen", urgency="red", **north_of(2000))
    await make_request(session, **north_of(15000))  # outside the radius
    _profile, headers = await volunteer(session)

    response = await nearby(client, headers, radius_km=10)

    assert response.status_code == 200, response.text
    found = response.json()
    assert [r["id"] for r in found] == [near.id, middle.id, far.id]
    distances = [r["distance_km"] for r in found]
    assert distances == sorted(distances)
    for shown, metres in zip(found, (1000, 2000, 3000), strict=True):
        assert abs(shown["distance_km"] - metres / 1000) <= 0.4
    assert not {"contact_phone", "contact_name", "description"} & set(found[0])


async def test_nearby_answers_what_its_schema_says_and_the_public_view_shows(client, session):
    near = await make_request(session, **north_of(700))
    far = await make_request(session, category="oxygen", urgency="red", **north_of(2600))
    _profile, headers = await volunteer(session)

    found = (await nearby(client, headers, radius_km=10)).json()

    # Written without the schema on the way out, it is the document the schema would give.
    schema = TypeAdapter(list[NearbyRequest])
    assert found == schema.dump_python(schema.validate_python(found), mode="json")
    assert [list(r) for r in found] == [list(NearbyRequest.model_fields)] * 2
    for shown, request in zip(found, (near, far), strict=True):
        public = (await client.get(f"/api/v1/requests/{request.id}", headers=headers)).json()
        assert shown == {**public, "distance_km": shown["distance_km"]}


async def test_nearby_leaves_out_claimed_and_finished_requests(client, session):
    open_one = await make_request(session, **north_of(500))
    claimer = await make_user(session, roles=[Role.VOLUNTEER])
    for status in ("claimed", "in_progress", "resolved", "cancelled"):
        taken = await make_request(session, **north_of(400))
        await put_in_status(session, taken, status, claimed_by=claimer)
    _profile, headers = await volunteer(session)
    response = await nearby(client, headers)
    assert [r["id"] for r in response.json()] == [open_one.id]


async def test_unverified_volunteer_is_not_shown_medical_or_transport_requests(client, session):
    food = await make_request(session, **north_of(100))
    medical = [
        await make_request(session, category=category, urgency=urgency, **north_of(200))
        for category, urgency in (("oxygen", "red"), ("patient_transport", "yellow"))
    ]
    hearse = await make_request(session, category="body_transport", **north_of(300))
    _unverified, unverified_headers = await volunteer(session, verified=False)
    _on_foot, on_foot_headers = await volunteer(session)
    _driver, driver_headers = await volunteer(session, vehicle="car")
    _trained, trained_headers = await volunteer(session, vehicle="car", ppe_trained=True)

    shown = [r["id"] for r in (await nearby(client, unverified_headers)).json()]
    assert shown == [food.id]
    # Transports need a vehicle, the deceased PPE training as well (the policy's rule).
    shown = {r["id"] for r in (await nearby(client, on_foot_headers)).json()}
    assert shown == {food.id, medical[0].id}
    shown = {r["id"] for r in (await nearby(client, driver_headers)).json()}
    assert shown == {food.id, *(r.id for r in medical)}
    shown = {r["id"] for r in (await nearby(client, trained_headers)).json()}
    assert shown == {food.id, hearse.id, *(r.id for r in medical)}


async def test_nearby_distance_never_gives_away_the_exact_pin(client, session):
    help_request = await make_request(session, **north_of(1234))
    _profile, headers = await volunteer(session, verified=False)
    # Probing from a cell's centre: the server measures from there for any point of the cell.
    probe = dict(zip(("lat", "lon"), geo.round_for_privacy(**CHIANG_MAI), strict=True))
    (shown,) = (await nearby(client, headers, **probe)).json()
    to_public_pin = geo.distance_km(
        probe["lat"], probe["lon"], help_request.public_lat, help_request.public_lon
    )
    assert shown["distance_km"] == pytest.approx(to_public_pin, abs=0.001)


async def test_nearby_respects_the_limit(client, session):
    for metres in (100, 200, 300):
        await make_request(session, **north_of(metres * 10))
    _profile, headers = await volunteer(session)
    assert len((await nearby(client, headers, limit=2)).json()) == 2


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"lon": 181}, "lon"),
        ({"lon": "nan"}, "lon"),
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 1000}, "radius_km"),
        ({"limit": 0}, "limit"),
    ],
)
async def test_nearby_bad_input_names_the_field(client, session, params, field):
    _profile, headers = await volunteer(session)
    response = await nearby(client, headers, **params)
    assert response.status_code == 422, response.text
    assert field in field_names(response)


async def test_nearby_without_a_point_names_lat_and_lon(client, session):
    _profile, headers = await volunteer(session)
    response = await client.get("/api/v1/requests/nearby", headers=headers)
    assert response.status_code == 422
    assert field_names(response) == {"lat", "lon"}


async def test_nearby_is_for_volunteers(client, session):
    _requester, headers = await signed_in(session)
    assert (await nearby(client, headers)).status_code == 403
    assert (await nearby(client, {})).status_code == 401


async def duplicates(client, headers, **params):
    """Ask which open requests a new one at these params may repeat."""
    return await client.get("/api/v1/requests/duplicates", params=params, headers=headers)


async def test_same_phone_within_24_hours_is_a_possible_duplicate(client, session):
    requester, headers = await signed_in(session)
    earlier = await make_request(
        session, requester=requester, contact_phone="0897654321", **north_of(600)
    )
    response = await duplicates(
        client, headers, phone="089-765-4321", category="oxygen", **CHIANG_MAI
    )
    assert response.status_code == 200, response.text
    (candidate,) = response.json()
    assert candidate["request"]["id"] == earlier.id
    assert candidate["same_phone"] is True
    assert "contact_phone" not in candidate["request"]


async def test_a_strangers_phone_far_away_is_not_revealed(client, session):
    await make_request(session, contact_phone="0897654321", **north_of(5000))
    _requester, headers = await signed_in(session)
    response = await duplicates(client, headers, phone="0897654321", **CHIANG_MAI)
    assert response.json() == []


async def test_distance_is_to_the_public_position_in_tens_of_metres(client, session):
    await make_request(session, category="oxygen", urgency="red", **north_of(150))
    _requester, headers = await signed_in(session)
    (candidate,) = (await duplicates(client, headers, category="oxygen", **CHIANG_MAI)).json()
    assert candidate["distance_m"] % 10 == 0


async def test_own_phone_is_used_when_none_is_given(client, session):
    requester, headers = await signed_in(session)
    earlier = await make_request(session, requester=requester, **north_of(5000))
    response = await duplicates(client, headers, **CHIANG_MAI)
    assert [c["request"]["id"] for c in response.json()] == [earlier.id]


async def test_same_category_within_200_m_is_a_possible_duplicate(client, session):
    earlier = await make_request(session, category="oxygen", urgency="red", **north_of(150))
    _requester, headers = await signed_in(session)
    response = await duplicates(client, headers, category="oxygen", **CHIANG_MAI)
    (candidate,) = response.json()
    assert candidate["request"]["id"] == earlier.id
    assert candidate["same_phone"] is False


async def test_300_m_away_or_another_category_is_not_a_duplicate(client, session):
    await make_request(session, category="oxygen", urgency="red", **north_of(300))
    await make_request(session, category="food_supplies", **north_of(50))
    _requester, headers = await signed_in(session)
    response = await duplicates(client, headers, category="oxygen", **CHIANG_MAI)
    assert response.status_code == 200
    assert response.json() == []


async def test_requests_older_than_24_hours_or_finished_are_not_duplicates(client, session):
    old = await make_request(session, category="oxygen", urgency="red", **north_of(50))
    old.created_at = utcnow() - timedelta(hours=25)
    await session.commit()
    finished = await make_request(session, category="oxygen", urgency="red", **north_of(60))
    await put_in_status(session, finished, "resolved", claimed_by=None)
    _requester, headers = await signed_in(session)
    response = await duplicates(client, headers, category="oxygen", **CHIANG_MAI)
    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"phone": "12345", **CHIANG_MAI}, "phone"),
        ({"lat": 95, "lon": 98.98}, "lat"),
        ({"lat": 18.78}, "lon"),
        ({"category": "x" * 41, **CHIANG_MAI}, "category"),
        ({"category": "nonsense", **CHIANG_MAI}, "category"),
    ],
)
async def test_duplicate_check_bad_input_names_the_field(client, session, params, field):
    _requester, headers = await signed_in(session)
    response = await duplicates(client, headers, **params)
    assert response.status_code == 422, response.text
    assert field in field_names(response)


async def test_anonymous_cannot_check_for_duplicates(client, session):
    response = await duplicates(client, {}, **CHIANG_MAI)
    assert response.status_code == 401


async def merge(client, duplicate_id: int, keep_id: int, headers):
    """Merge one request into another."""
    return await client.post(
        f"/api/v1/requests/{duplicate_id}/merge", json={"keep_id": keep_id}, headers=headers
    )


async def test_coordinator_merges_a_duplicate_into_the_request_kept(client, session):
    keep = await make_request(session, category="oxygen", urgency="red", **north_of(10))
    duplicate = await make_request(session, category="oxygen", urgency="red", **north_of(40))
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    response = await merge(client, duplicate.id, keep.id, headers)

    assert response.status_code == 200, response.text
    merged = response.json()
    assert (merged["status"], merged["close_reason"]) == ("closed", "duplicate")
    assert merged["merged_into_id"] == keep.id
    stored = await reload(session, duplicate.id)
    assert (stored.status, stored.merged_into_id) == ("closed", keep.id)
    assert (await reload(session, keep.id)).status == "open"
    closing = (await events_of(session, duplicate.id))[-1]
    assert (closing.kind, closing.from_status, closing.to_status) == ("closed", "open", "closed")
    assert (closing.reason, closing.actor_id) == ("duplicate", coordinator.id)
    kept_event = (await events_of(session, keep.id))[-1]
    assert (kept_event.kind, kept_event.actor_id) == ("merged", coordinator.id)
    assert kept_event.details == {"merged_from": duplicate.code}
    assert closing.details == {"merged_into": keep.code}


async def test_merging_a_request_into_itself_names_keep_id(client, session):
    help_request = await make_request(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await merge(client, help_request.id, help_request.id, headers)
    assert response.status_code == 422
    assert field_names(response) == {"keep_id"}


async def test_coordinator_of_another_district_cannot_merge(client, session):
    keep, duplicate = [await make_request(session) for _ in "ab"]
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    response = await merge(client, duplicate.id, keep.id, headers)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.out_of_area"
    assert (await reload(session, duplicate.id)).status == "open"


async def test_volunteers_and_requesters_cannot_merge(client, session):
    requester = await make_user(session)
    keep, duplicate = [await make_request(session, requester=requester) for _ in "ab"]
    _profile, volunteer_headers = await volunteer(session)
    _requester, requester_headers = await signed_in(session)
    for headers in (volunteer_headers, requester_headers):
        assert (await merge(client, duplicate.id, keep.id, headers)).status_code == 403
    assert (await reload(session, duplicate.id)).status == "open"


async def test_finished_request_cannot_be_merged_again(client, session):
    keep, duplicate = [await make_request(session) for _ in "ab"]
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    assert (await merge(client, duplicate.id, keep.id, headers)).status_code == 200
    again = await merge(client, duplicate.id, keep.id, headers)
    assert again.status_code == 409


async def test_merging_into_an_unknown_request_is_not_found(client, session):
    duplicate = await make_request(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await merge(client, duplicate.id, 999999, headers)
    assert response.status_code == 404


@pytest.mark.parametrize("kept_status", ["cancelled", "resolved", "closed", "expired"])
async def test_request_cannot_be_merged_into_a_finished_one(client, session, kept_status):
    keep, duplicate = [await make_request(session) for _ in "ab"]
    await put_in_status(session, keep, kept_status, claimed_by=None)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await merge(client, duplicate.id, keep.id, headers)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "request.not_active"
    assert response.json()["detail_th"] != response.json()["detail"]  # translated
    assert (await reload(session, duplicate.id)).status == "open"
