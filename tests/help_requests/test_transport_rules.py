"""Where a transport may go: the deceased to open cremation temples, patients to facilities
that take them (a full one may have had a bed freed since, an evacuating one never), the
nearest measured on the ground east-west as well as north-south."""

import math

import pytest

from jitasa.core import geo
from tests.facilities.helpers import make_facility
from tests.help_requests.helpers import CHIANG_MAI, make_request
from tests.help_requests.test_transport import available, choose, driver, taken_by, transport

KM_PER_DEGREE = math.radians(1) * geo.EARTH_RADIUS_KM


def north(km: float) -> dict[str, float]:
    """The point `km` due north of the pickup (Mueang Chiang Mai)."""
    return {"lat": CHIANG_MAI["lat"] + km / KM_PER_DEGREE, "lon": CHIANG_MAI["lon"]}


def east(km: float) -> dict[str, float]:
    """The point `km` due east of the pickup (a degree of longitude is shorter than one north)."""
    squeeze = math.cos(math.radians(CHIANG_MAI["lat"]))
    return {"lat": CHIANG_MAI["lat"], "lon": CHIANG_MAI["lon"] + km / (KM_PER_DEGREE * squeeze)}


async def destinations(client, request_id, headers, **params):
    response = await client.get(
        f"/api/v1/requests/{request_id}/destinations", headers=headers, params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_deceased_go_to_open_cremation_temples_nearest_first_without_beds(
    client, session
):
    near = await make_facility(session, type="cremation_temple", name_th="วัดใกล้", **north(1))
    far = await make_facility(session, type="cremation_temple", name_th="วัดไกล", **north(5))
    closed = await make_facility(
        session, type="cremation_temple", name_th="วัดปิด", status="closed", **north(0.5)
    )
    hospital = await make_facility(session, beds={"beds_yellow": (4, 4)}, **north(0.2))
    body = await make_request(session, category="body_transport", urgency="urgent")
    profile, headers = await driver(session, ppe_trained=True)
    await taken_by(session, body, profile)

    ranked = await destinations(client, body.id, headers)

    assert [d["facility_id"] for d in ranked] == [near.id, far.id]
    assert [(d["free_beds"], d["total_beds"]) for d in ranked] == [(None, None)] * 2
    for refused_id in (hospital.id, closed.id):
        refused = await choose(client, body.id, refused_id, headers)
        assert refused.status_code == 409, refused.text
        assert refused.json()["code"] == "facility.not_for_the_deceased"
    chosen = await choose(client, body.id, near.id, headers)
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["destination_id"], chosen.json()["bed_state"]) == (near.id, None)
    assert await available(session, hospital.id) == 4


async def test_a_full_facility_with_a_bed_freed_since_takes_a_patient_an_evacuating_one_not(
    client, session
):
    full = await make_facility(
        session, name_th="เต็ม", status="full", beds={"beds_yellow": (5, 1)}, **north(5)
    )
    evacuating = await make_facility(
        session, name_th="อพยพ", status="evacuating", beds={"beds_yellow": (5, 5)}, **north(1)
    )
    no_yellow = await make_facility(session, name_th="ไม่มีเตียง", beds={"beds_yellow": (0, 0)})
    patient = await transport(session)
    profile, headers = await driver(session)
    await taken_by(session, patient, profile)

    assert [d["facility_id"] for d in await destinations(client, patient.id, headers)] == [full.id]
    for facility_id, code in (
        (evacuating.id, "facility.not_open"),
        (no_yellow.id, "facility.colour_not_accepted"),
    ):
        refused = await choose(client, patient.id, facility_id, headers)
        assert (refused.status_code, refused.json()["code"]) == (409, code)
    chosen = await choose(client, patient.id, full.id, headers)
    assert chosen.status_code == 200, chosen.text
    assert await available(session, full.id) == 0
    assert await available(session, evacuating.id) == 5


@pytest.mark.parametrize("colour", ["yellow", None])
async def test_the_nearest_destination_is_measured_east_west_on_the_ground(client, session, colour):
    # 1.9 km east is nearer than 2 km north, though it is more degrees away.
    kind = {"beds": {"beds_yellow": (3, 3)}} if colour else {"type": "cremation_temple"}
    to_the_north = await make_facility(session, name_th="เหนือ", **kind, **north(2.0))
    to_the_east = await make_facility(session, name_th="ตะวันออก", **kind, **east(1.9))
    if colour:
        moved = await transport(session, colour=colour)
        profile, headers = await driver(session)
    else:
        moved = await make_request(session, category="body_transport", urgency="urgent")
        profile, headers = await driver(session, ppe_trained=True)
    await taken_by(session, moved, profile)

    (nearest,) = await destinations(client, moved.id, headers, limit=1)
    ranked = await destinations(client, moved.id, headers)

    assert nearest["facility_id"] == to_the_east.id
    assert [(d["facility_id"], d["distance_km"]) for d in ranked] == [
        (to_the_east.id, 1.9),
        (to_the_north.id, 2.0),
    ]
