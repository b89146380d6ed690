"""Patient and body transport: who may drive, destinations ranked, one bed per patient, stages."""

import asyncio

from sqlalchemy import func, select

from jitasa.core.words import Role
from jitasa.facilities.models import Capacity, Facility, FacilityChange
from jitasa.help_requests.models import HelpRequest
from tests.facilities.helpers import make_facility
from tests.factories import signed_in
from tests.help_requests.helpers import (
    events_of,
    make_request,
    put_in_status,
    reload,
    sos,
    volunteer,
)

DRIVERS = 50
NEAR = {"lat": 18.79, "lon": 98.99}  # about 0.5 km from the pickup in Mueang Chiang Mai
FAR = {"lat": 18.84, "lon": 99.05}  # about 10 km away


async def driver(session, **profile):
    """Return a verified volunteer with a car (profile and headers)."""
    return await volunteer(session, **{"vehicle": "car", **profile})


async def transport(session, *, colour="yellow", **fields):
    """Create an open patient transport of this colour."""
    return await make_request(
        session, category="patient_transport", urgency=colour, mobility="wheelchair", **fields
    )


async def taken_by(session, help_request, profile):
    """Put the transport in the hands of this driver."""
    await put_in_status(session, help_request, "claimed", claimed_by=profile.user)
    return help_request


async def available(session, facility_id: int, resource: str = "beds_yellow") -> int:
    """Read a facility's free count of a resource straight from the database."""
    return await session.scalar(
        select(Capacity.available)
        .where(Capacity.facility_id == facility_id, Capacity.resource == resource)
        .execution_options(populate_existing=True)
    )


def choose(client, request_id, facility_id, headers):
    """Choose a transport's destination."""
    return client.post(
        f"/api/v1/requests/{request_id}/destination",
        json={"facility_id": facility_id},
        headers=headers,
    )


async def test_a_patient_transport_carries_colour_and_mobility_and_others_refuse_them(
    client, session
):
    _user, headers = await signed_in(session)
    body = sos(category="patient_transport", urgency="red", mobility="stretcher", consent=True)
    created = await client.post("/api/v1/requests", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert (created.json()["triage_colour"], created.json()["mobility"]) == ("red", "stretcher")
    refused = await client.post("/api/v1/requests", json=sos(mobility="walks"), headers=headers)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["mobility"]
    assert refused.json()["errors"][0]["message_th"] != refused.json()["errors"][0]["message"]


async def test_only_drivers_with_a_vehicle_take_transport_and_ppe_for_the_deceased(client, session):
    patient = await transport(session)
    _walker, on_foot = await volunteer(session)
    refused = await client.post(f"/api/v1/requests/{patient.id}/claim", headers=on_foot)
    assert refused.status_code == 403
    assert refused.json()["code"] == "claims.no_vehicle" and refused.json()["detail_th"]
    _car, with_car = await driver(session)
    assert (
        await client.post(f"/api/v1/requests/{patient.id}/claim", headers=with_car)
    ).status_code == 200

    body = await make_request(session, category="body_transport", urgency="urgent")
    _untrained, untrained_headers = await driver(session)
    refused = await client.post(f"/api/v1/requests/{body.id}/claim", headers=untrained_headers)
    assert refused.status_code == 403 and refused.json()["code"] == "claims.no_ppe_training"
    _trained, trained_headers = await driver(session, ppe_trained=True)
    taken = await client.post(f"/api/v1/requests/{body.id}/claim", headers=trained_headers)
    assert taken.status_code == 200, taken.text


async def test_a_coordinator_cannot_assign_a_transport_to_someone_without_a_vehicle(
    client, session
):
    patient = await transport(session)
    walker, _headers = await volunteer(session)
    _staff, staff_headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    refused = await client.post(
        f"/api/v1/requests/{patient.id}/assign",
        json={"volunteer_id": walker.id},
        headers=staff_headers,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "assign.no_vehicle"


async def test_destinations_put_free_beds_of_the_colour_first_then_the_nearest(client, session):
    full_near = await make_facility(session, name_th="เต็ม", beds={"beds_yellow": (5, 0)}, **NEAR)
    one_free_near = await make_facility(
        session, name_th="ใกล้", beds={"beds_yellow": (5, 1)}, **NEAR
    )
    many_free_far = await make_facility(session, name_th="ไกล", beds={"beds_yellow": (9, 7)}, **FAR)
    await make_facility(session, name_th="เขียว", beds={"beds_green": (9, 9)}, **NEAR)
    await make_facility(
        session, name_th="ปิด", status="closed", beds={"beds_yellow": (9, 9)}, **NEAR
    )
    patient = await transport(session)
    profile, headers = await driver(session)
    await taken_by(session, patient, profile)

    response = await client.get(f"/api/v1/requests/{patient.id}/destinations", headers=headers)

    assert response.status_code == 200, response.text
    ranked = response.json()
    assert [d["facility_id"] for d in ranked] == [
        one_free_near.id,
        many_free_far.id,
        full_near.id,
    ]
    assert [d["free_beds"] for d in ranked] == [1, 7, 0]
    assert ranked[0]["distance_km"] < ranked[1]["distance_km"]


async def test_choosing_reserves_a_bed_and_a_second_driver_hears_no_free_bed(client, session):
    hospital = await make_facility(session, beds={"beds_yellow": (4, 1)}, **NEAR)
    first, second = await transport(session), await transport(session)
    (one, one_headers), (two, two_headers) = await driver(session), await driver(session)
    await taken_by(session, first, one)
    await taken_by(session, second, two)

    chosen = await choose(client, first.id, hospital.id, one_headers)
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["destination_id"], chosen.json()["bed_state"]) == (
        hospital.id,
        "reserved",
    )
    assert await available(session, hospital.id) == 0
    refused = await choose(client, second.id, hospital.id, two_headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "facility.no_free_bed"
    assert "Test Hospital" in refused.json()["detail"]
    assert "โรงพยาบาลทดสอบ" in refused.json()["detail_th"]
    assert (await reload(session, second.id)).destination_id is None
    kinds = [e.kind for e in await events_of(session, first.id)]
    assert kinds[-1] == "destination"
    facility = await session.get(Facility, hospital.id, populate_existing=True)
    assert (facility.free_yellow, facility.capacity_version) == (0, 1)
    history = await session.scalars(
        select(FacilityChange.kind).where(FacilityChange.facility_id == hospital.id)
    )
    assert "reserved" in list(history)


async def test_bad_destinations_answer_409_or_404_in_both_languages(client, session):
    greens = await make_facility(session, beds={"beds_green": (4, 4)}, **NEAR)
    closed = await make_facility(session, status="closed", beds={"beds_yellow": (4, 4)}, **NEAR)
    patient = await transport(session)
    profile, headers = await driver(session)
    await taken_by(session, patient, profile)
    for facility_id, status, code in (
        (greens.id, 409, "facility.colour_not_accepted"),
        (closed.id, 409, "facility.not_open"),
        (999_999, 404, "facilities.not_found"),
    ):
        response = await choose(client, patient.id, facility_id, headers)
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert response.json()["detail_th"] != response.json()["detail"]
    food = await make_request(session)
    await taken_by(session, food, profile)
    response = await choose(client, food.id, greens.id, headers)
    assert (response.status_code, response.json()["code"]) == (409, "transport.not_transport")
    _stranger, stranger_headers = await driver(session)
    response = await client.get(
        f"/api/v1/requests/{patient.id}/destinations", headers=stranger_headers
    )
    assert response.status_code == 403
    assert await available(session, closed.id) == 4


async def test_changing_destination_or_releasing_gives_the_bed_back(client, session):
    first = await make_facility(session, beds={"beds_yellow": (4, 2)}, **NEAR)
    other = await make_facility(session, beds={"beds_yellow": (4, 2)}, **FAR)
    patient = await transport(session)
    profile, headers = await driver(session)
    await taken_by(session, patient, profile)
    assert (await choose(client, patient.id, first.id, headers)).status_code == 200
    assert (await choose(client, patient.id, other.id, headers)).status_code == 200
    assert (await available(session, first.id), await available(session, other.id)) == (2, 1)

    released = await client.post(
        f"/api/v1/requests/{patient.id}/transition", json={"to": "open"}, headers=headers
    )
    assert released.status_code == 200, released.text
    stored = await reload(session, patient.id)
    assert (stored.destination_id, stored.bed_state) == (None, None)
    assert await available(session, other.id) == 2


async def test_a_cancelled_transport_frees_its_bed(client, session):
    hospital = await make_facility(session, beds={"beds_red": (2, 1)}, **NEAR)
    requester, requester_headers = await signed_in(session)
    patient = await transport(session, colour="red", requester=requester)
    profile, headers = await driver(session)
    await taken_by(session, patient, profile)
    assert (await choose(client, patient.id, hospital.id, headers)).status_code == 200
    assert await available(session, hospital.id, "beds_red") == 0
    cancelled = await client.post(
        f"/api/v1/requests/{patient.id}/transition",
        json={"to": "cancelled"},
        headers=requester_headers,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await available(session, hospital.id, "beds_red") == 1


async def test_picked_up_then_delivered_occupies_the_bed_and_the_requester_sees_each_stage(
    client, session
):
    hospital = await make_facility(session, beds={"beds_yellow": (3, 3)}, **NEAR)
    requester, requester_headers = await signed_in(session)
    patient = await transport(session, requester=requester)
    _profile, headers = await driver(session)
    assert (
        await client.post(f"/api/v1/requests/{patient.id}/claim", headers=headers)
    ).status_code == 200
    assert (await choose(client, patient.id, hospital.id, headers)).status_code == 200
    for to in ("in_progress", "resolved"):
        moved = await client.post(
            f"/api/v1/requests/{patient.id}/transition", json={"to": to}, headers=headers
        )
        assert moved.status_code == 200, moved.text
    seen = (await client.get(f"/api/v1/requests/{patient.id}", headers=requester_headers)).json()
    assert (seen["status"], seen["destination_id"], seen["bed_state"]) == (
        "resolved",
        hospital.id,
        "occupied",
    )
    timeline = await client.get(f"/api/v1/requests/{patient.id}/events", headers=requester_headers)
    kinds = [e["kind"] for e in timeline.json()]
    assert kinds == ["created", "claimed", "destination", "picked_up", "delivered"]
    assert await available(session, hospital.id) == 2  # the delivered patient holds the bed


async def test_of_50_drivers_racing_for_the_last_yellow_bed_exactly_one_gets_it(client, session):
    hospital = await make_facility(session, beds={"beds_yellow": (10, 1)}, **NEAR)
    drivers = []
    for _ in range(DRIVERS):
        profile, headers = await driver(session)
        drivers.append((await taken_by(session, await transport(session), profile), headers))

    responses = await asyncio.gather(
        *(choose(client, r.id, hospital.id, headers) for r, headers in drivers)
    )

    codes = [r.status_code for r in responses]
    assert (codes.count(200), codes.count(409)) == (1, DRIVERS - 1), sorted(set(codes))
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"facility.no_free_bed"}
    holding = await session.scalar(
        select(func.count())
        .select_from(HelpRequest)
        .where(
            HelpRequest.destination_id == hospital.id,
            HelpRequest.bed_state.in_(("reserved", "occupied")),
        )
    )
    assert holding == 1
    # Free beds equal the total less 9 taken before the race and the reservations made in it.
    assert await available(session, hospital.id) == 10 - 9 - holding == 0


async def test_withdrawn_consent_frees_the_bed_and_forgets_how_the_patient_moves(client, session):
    hospital = await make_facility(session, beds={"beds_yellow": (3, 1)}, **NEAR)
    requester, requester_headers = await signed_in(session)
    patient = await transport(session, requester=requester)
    profile, headers = await driver(session)
    await taken_by(session, patient, profile)
    assert (await choose(client, patient.id, hospital.id, headers)).status_code == 200
    withdrawn = await client.post(
        f"/api/v1/requests/{patient.id}/withdraw", headers=requester_headers
    )
    assert withdrawn.status_code == 204, withdrawn.text
    stored = await reload(session, patient.id)
    assert (stored.status, stored.bed_state, stored.mobility) == ("cancelled", None, None)
    assert await available(session, hospital.id) == 1


async def test_no_transport_is_delivered_without_a_destination(client, session):
    patient = await transport(session)
    body = await make_request(session, category="body_transport", urgency="urgent")
    profile, headers = await driver(session, ppe_trained=True)
    for help_request in (patient, body):
        await taken_by(session, help_request, profile)
    moves = [(patient, "resolved"), (body, "in_progress"), (body, "resolved")]
    for help_request, to in moves:
        answer = await client.post(
            f"/api/v1/requests/{help_request.id}/transition", json={"to": to}, headers=headers
        )
        if to == "in_progress":  # picking up before choosing is allowed
            assert answer.status_code == 200, answer.text
            continue
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "transport.no_destination"
        assert answer.json()["detail_th"] != answer.json()["detail"]
        assert (await reload(session, help_request.id)).status != "resolved"
    page = await client.get(f"/requests/{patient.id}", headers=headers)
    assert "การส่งถึงต้องมีปลายทาง" in page.text  # the Thai page says why there is no button
    english = await client.get(f"/requests/{patient.id}?lang=en", headers=headers)
    assert "Handed over at the destination" not in english.text
    assert "a delivery needs a destination" in english.text


async def test_a_facility_a_transport_is_heading_to_is_not_closed_until_it_goes_elsewhere(
    client, session
):
    hospital = await make_facility(session, beds={"beds_yellow": (3, 3)}, **NEAR)
    temple = await make_facility(session, type="cremation_temple", name_th="วัดทดสอบ", **FAR)
    patient = await transport(session)
    body = await make_request(session, category="body_transport", urgency="urgent")
    profile, headers = await driver(session, ppe_trained=True)
    for help_request, place in ((patient, hospital), (body, temple)):
        await taken_by(session, help_request, profile)
        assert (await choose(client, help_request.id, place.id, headers)).status_code == 200
    _staff, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    for place, status in ((hospital, "closed"), (temple, "evacuating")):
        refused = await client.patch(
            f"/api/v1/facilities/{place.id}", json={"status": status}, headers=staff
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "facility.transports_on_the_way"
        assert refused.json()["detail_th"] != refused.json()["detail"]
    page = await client.post(
        f"/facilities/{hospital.id}/capacity?lang=en",
        data={"version": "1", "status": "closed"},  # the reservation made version 1
        headers={"Accept": "text/html", **staff},
    )
    assert page.status_code == 409
    assert "1 transports are on their way here" in page.text
    assert patient.code in page.text
    api = (await client.get(f"/api/v1/facilities/{hospital.id}")).json()
    assert (api["status"], api["free_beds"]["yellow"]) == ("open", 2)  # still held for the patient
    # Once the patient goes elsewhere, the hospital closes and its bed is free again.
    other = await make_facility(session, beds={"beds_yellow": (1, 1)}, **FAR)
    assert (await choose(client, patient.id, other.id, headers)).status_code == 200
    closed = await client.patch(
        f"/api/v1/facilities/{hospital.id}", json={"status": "closed"}, headers=staff
    )
    assert closed.status_code == 200, closed.text
    assert await available(session, hospital.id) == 3


async def test_who_may_not_see_destinations_hears_why(client, session):
    patient = await transport(session)
    holder, _holder_headers = await driver(session)
    await taken_by(session, patient, holder)
    _other, other_driver = await driver(session)
    path = f"/api/v1/requests/{patient.id}/destinations"
    for answer in (
        await client.get(path, headers=other_driver),
        await choose(client, patient.id, 1, other_driver),
    ):
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "transport.not_holder"
        problem = answer.json()
        assert patient.code in problem["detail"] and patient.code in problem["detail_th"]
    _elsewhere, staff_elsewhere = await signed_in(session, roles=[Role.COORDINATOR], area_code="10")
    outside = await client.get(path, headers=staff_elsewhere)
    assert outside.status_code == 403 and outside.json()["code"] == "auth.out_of_area"
    assert (await client.get(path)).status_code == 401
