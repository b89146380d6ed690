"""Posting an SOS: what a request looks like when created, and every bad input refused by name."""

import asyncio
import re

import pytest
from sqlalchemy import func, select

from jitasa.core import geo
from jitasa.help_requests import service as requests_service
from jitasa.help_requests.models import HelpRequest
from jitasa.incidents import service as incidents_service
from jitasa.incidents.schemas import IncidentCreate
from tests.factories import bearer, make_user, signed_in
from tests.help_requests.helpers import CHIANG_MAI, events_of, field_names, sos

LUANG_PRABANG = {"lat": 19.8856, "lon": 102.1347}  # Laos, inside Thailand's bounding box
GULF_OF_THAILAND = {"lat": 10.0, "lon": 101.5}


async def count_requests(session) -> int:
    """Return how many help requests are stored."""
    return await session.scalar(select(func.count()).select_from(HelpRequest))


async def test_signed_in_requester_posts_an_sos_in_chiang_mai(client, session):
    requester, headers = await signed_in(session, display_name="Somchai")
    response = await client.post("/api/v1/requests", json=sos(), headers=headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "open"
    assert re.fullmatch(r"JT-[2-9A-HJKMNP-Z]{6}", created["code"])
    assert (created["province_code"], created["district_code"]) == ("50", "5001")
    assert (created["lat"], created["lon"]) == (CHIANG_MAI["lat"], CHIANG_MAI["lon"])
    public = (created["public_lat"], created["public_lon"])
    assert public != (CHIANG_MAI["lat"], CHIANG_MAI["lon"])
    assert public[0] != CHIANG_MAI["lat"] and public[1] != CHIANG_MAI["lon"]
    assert geo.distance_km(*public, CHIANG_MAI["lat"], CHIANG_MAI["lon"]) <= 0.4
    assert created["contact_phone"] == requester.phone
    assert created["contact_name"] == "Somchai"
    assert created["requester_id"] == requester.id
    assert created["people_count"] == 3

    (event,) = await events_of(session, created["id"])
    assert (event.kind, event.from_status, event.to_status) == ("created", None, "open")
    assert event.actor_id == requester.id
    timeline = await client.get(f"/api/v1/requests/{created['id']}/events", headers=headers)
    assert [e["kind"] for e in timeline.json()] == ["created"]


async def test_contact_phone_given_in_thai_form_is_stored_as_e164(client, session):
    _requester, headers = await signed_in(session)
    body = sos(contact_phone="089-765-4321", contact_name="Nong Mai", for_someone_else=True)
    response = await client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["contact_phone"] == "+66897654321"
    assert response.json()["for_someone_else"] is True


async def test_medical_request_with_consent_uses_triage_colour(client, session):
    _requester, headers = await signed_in(session)
    body = sos(category="oxygen", urgency="red", consent=True)
    response = await client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    assert (response.json()["medical"], response.json()["urgency"]) == (True, "red")
    assert response.json()["consent_at"] is not None


@pytest.mark.parametrize("pin", [GULF_OF_THAILAND, LUANG_PRABANG], ids=["at_sea", "in_laos"])
async def test_pin_outside_thailand_is_refused_naming_lat_and_lon(client, session, pin):
    _requester, headers = await signed_in(session)
    response = await client.post("/api/v1/requests", json=sos(**pin), headers=headers)
    assert response.status_code == 422, response.text
    assert field_names(response) == {"lat", "lon"}
    assert await count_requests(session) == 0


async def test_a_pin_no_boundary_holds_is_named_into_an_area_only_near_it(client, session):
    _requester, headers = await signed_in(session)
    off_pattaya = sos(lat=12.93, lon=100.86, area_code="2004")  # a boat 500 m off the beach
    created = await client.post("/api/v1/requests", json=off_pattaya, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["district_code"] == "2004"

    at_sea = sos(**GULF_OF_THAILAND, area_code="5001")  # mid-gulf, named into Chiang Mai
    refused = await client.post("/api/v1/requests", json=at_sea, headers=headers)
    assert refused.status_code == 422, refused.text
    assert field_names(refused) == {"lat"}
    assert "outside area 5001" in refused.json()["errors"][0]["message"]
    unknown = await client.post("/api/v1/requests", json=sos(area_code="5099"), headers=headers)
    assert unknown.status_code == 422 and field_names(unknown) == {"area_code"}
    assert await count_requests(session) == 1


async def test_pin_far_outside_the_region_is_refused_naming_lat_and_lon(client, session):
    _requester, headers = await signed_in(session)
    body = sos(lat=51.5, lon=-0.12, area_code="5001")  # London, whatever area is chosen
    response = await client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 422
    assert field_names(response) == {"lat", "lon"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "unicorns"}, "category"),
        ({"category": "oxygen", "urgency": "red"}, "consent"),
        ({"category": "oxygen", "urgency": "red", "consent": False}, "consent"),
        ({"category": "food_supplies", "urgency": "red"}, "urgency"),
        ({"category": "oxygen", "urgency": "urgent", "consent": True}, "urgency"),
        ({"urgency": "panic"}, "urgency"),
        ({"people_count": 0}, "people_count"),
        ({"people_count": -1}, "people_count"),
        ({"people_count": 100000}, "people_count"),
        ({"people_count": "many"}, "people_count"),
        ({"description": "ก" * 2001}, "description"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": "+1 212 555 0100"}, "contact_phone"),
        ({"contact_phone": "not a phone"}, "contact_phone"),
        ({"lat": 91}, "lat"),
        ({"lon": "east"}, "lon"),
        ({"lat": None}, "lat"),
        ({"area_code": "5"}, "area_code"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(client, session, overrides, field):
    _requester, headers = await signed_in(session)
    response = await client.post("/api/v1/requests", json=sos(**overrides), headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in field_names(response)
    assert await count_requests(session) == 0


async def test_description_of_exactly_2000_characters_is_accepted(client, session):
    _requester, headers = await signed_in(session)
    body = sos(description="ก" * 2000)
    response = await client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("field", ["category", "urgency", "lat", "lon"])
async def test_missing_required_field_is_named(client, session, field):
    _requester, headers = await signed_in(session)
    body = sos()
    del body[field]
    response = await client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 422
    assert field in field_names(response)


async def test_body_that_is_not_json_is_a_422_not_a_500(client, session):
    _requester, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/requests",
        content=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def flood_incident(session) -> str:
    """Add an active flood incident with its own categories; return its code."""
    incident = await incidents_service.create(
        session,
        incident_in=IncidentCreate(
            code="floods-2025-hatyai",
            name_th="น้ำท่วมหาดใหญ่",
            name_en="Hat Yai floods",
            categories=[
                {"code": "boat_rescue", "name_th": "เรือ", "name_en": "Boat", "transport": True},
                {"code": "drinking_water", "name_th": "น้ำดื่ม", "name_en": "Water"},
            ],
        ),
    )
    await session.commit()
    return incident.code


async def test_category_not_in_the_chosen_incident_is_refused(client, session):
    flood = await flood_incident(session)
    _requester, headers = await signed_in(session)
    body = sos(incident=flood, category="oxygen", urgency="red", consent=True)
    response = await client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert field_names(response) == {"category"}
    allowed = await client.post(
        "/api/v1/requests", json=sos(incident=flood, category="drinking_water"), headers=headers
    )
    assert allowed.status_code == 201, allowed.text


async def test_unknown_incident_is_not_found(client, session):
    _requester, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/requests", json=sos(incident="no-such-incident"), headers=headers
    )
    assert response.status_code in (404, 422)
    assert response.status_code != 500


async def test_anonymous_cannot_post_a_request(client, session):
    response = await client.post("/api/v1/requests", json=sos())
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"
    assert await count_requests(session) == 0


async def test_same_idempotency_key_and_body_twice_creates_one_request(client, session):
    _requester, headers = await signed_in(session)
    keyed = {**headers, "Idempotency-Key": "offline-queue-1"}
    first = await client.post("/api/v1/requests", json=sos(), headers=keyed)
    second = await client.post("/api/v1/requests", json=sos(), headers=keyed)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert await count_requests(session) == 1
    assert len(await events_of(session, first.json()["id"])) == 1


async def test_same_idempotency_key_with_another_body_is_refused(client, session):
    _requester, headers = await signed_in(session)
    keyed = {**headers, "Idempotency-Key": "offline-queue-2"}
    first = await client.post("/api/v1/requests", json=sos(), headers=keyed)
    second = await client.post("/api/v1/requests", json=sos(people_count=9), headers=keyed)
    assert (first.status_code, second.status_code) == (201, 422)
    assert field_names(second) == {"Idempotency-Key"}
    assert await count_requests(session) == 1


async def test_different_users_may_use_the_same_idempotency_key(client, session):
    first_user = await make_user(session)
    second_user = await make_user(session)
    created = []
    for user in (first_user, second_user):
        headers = {**await bearer(session, user), "Idempotency-Key": "same-key"}
        created.append(await client.post("/api/v1/requests", json=sos(), headers=headers))
    assert [r.status_code for r in created] == [201, 201]
    assert created[0].json()["id"] != created[1].json()["id"]
    assert [r.json()["requester_id"] for r in created] == [first_user.id, second_user.id]
    assert await count_requests(session) == 2


async def test_idempotency_key_too_long_is_refused_naming_it(client, session):
    _requester, headers = await signed_in(session)
    keyed = {**headers, "Idempotency-Key": "k" * 201}
    response = await client.post("/api/v1/requests", json=sos(), headers=keyed)
    assert response.status_code == 422
    assert "Idempotency-Key" in field_names(response)
    assert await count_requests(session) == 0


async def test_request_refused_as_bad_input_is_not_remembered_for_its_key(client, session):
    _requester, headers = await signed_in(session)
    keyed = {**headers, "Idempotency-Key": "retry-after-fix"}
    bad = await client.post("/api/v1/requests", json=sos(category="unicorns"), headers=keyed)
    good = await client.post("/api/v1/requests", json=sos(), headers=keyed)
    assert (bad.status_code, good.status_code) == (422, 201)


async def test_same_idempotency_key_sent_twice_at_once_creates_one_request(client, session):
    _requester, headers = await signed_in(session)
    keyed = {**headers, "Idempotency-Key": "flaky-network"}
    await client.get("/api/v1/me", headers=headers)  # the token is fresh: no write to sign in
    responses = await asyncio.gather(
        *(client.post("/api/v1/requests", json=sos(), headers=keyed) for _ in range(2))
    )
    assert [r.status_code for r in responses] == [201, 201], [r.text for r in responses]
    assert responses[0].json() == responses[1].json()
    assert await count_requests(session) == 1


async def test_inactive_incident_is_refused_naming_incident(client, session):
    flood = await flood_incident(session)
    incident = await incidents_service.get_or_raise(session, code=flood)
    incident.active = False
    await session.commit()
    _requester, headers = await signed_in(session)
    body = sos(incident=flood, category="drinking_water")
    response = await client.post("/api/v1/requests", json=body, headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "incidents.closed"
    assert field_names(response) == {"incident"}


async def test_tracking_code_already_taken_is_never_given_again(client, session, monkeypatch):
    _requester, headers = await signed_in(session)
    first = (await client.post("/api/v1/requests", json=sos(), headers=headers)).json()
    codes = iter([first["code"], "JT-NEW234"])
    monkeypatch.setattr(requests_service, "new_code", lambda: next(codes))
    second = await client.post("/api/v1/requests", json=sos(), headers=headers)
    assert second.status_code == 201, second.text
    assert second.json()["code"] == "JT-NEW234"
