"""Bed reservation for transports, pinned where a slip would send a patient to the wrong place:
the database's first cut of destinations (`limit`), the nearest whichever way it lies, the one
colour reserved and freed, the history and version a reservation leaves, and errors naming the
facility and colour in both languages."""

import asyncio

import pytest
from sqlalchemy import select, text, update

from jitasa.core.words import Role
from jitasa.facilities.models import Capacity, Facility, FacilityChange
from tests.facilities.helpers import make_facility
from tests.factories import signed_in
from tests.help_requests.helpers import make_request
from tests.help_requests.test_transport import available, choose, driver, taken_by, transport
from tests.help_requests.test_transport_rules import destinations, east, north


def south(km: float) -> dict[str, float]:
    """The point `km` due south of the pickup."""
    return north(-km)


def north_east(north_km: float, east_km: float) -> dict[str, float]:
    """The point `north_km` north and `east_km` east of the pickup."""
    return {"lat": north(north_km)["lat"], "lon": east(east_km)["lon"]}


async def a_taken_transport(session, colour: str | None):
    """A transport of this colour (None: the deceased) in the hands of a driver, and headers."""
    if colour is None:
        moved = await make_request(session, category="body_transport", urgency="urgent")
        profile, headers = await driver(session, ppe_trained=True)
    else:
        moved = await transport(session, colour=colour)
        profile, headers = await driver(session)
    await taken_by(session, moved, profile)
    return moved, profile, headers


async def test_a_short_list_still_puts_a_free_bed_before_a_nearer_full_facility(client, session):
    # The database cuts the list at `limit`: its order, not only the final sort, must put
    # facilities with a free bed of the colour first. One bed in all still counts.
    full_near = await make_facility(
        session, name_th="เต็ม", beds={"beds_yellow": (3, 0)}, **north(0.5)
    )
    one_bed = await make_facility(
        session,
        name_th="เตียงเดียว",
        beds={"beds_yellow": (1, 1), "beds_red": (4, 4)},
        **north(3),
    )
    patient, _profile, headers = await a_taken_transport(session, "yellow")

    (first,) = await destinations(client, patient.id, headers, limit=1)
    ranked = await destinations(client, patient.id, headers)

    assert (first["facility_id"], first["free_beds"], first["total_beds"]) == (one_bed.id, 1, 1)
    assert [(d["facility_id"], d["free_beds"], d["total_beds"]) for d in ranked] == [
        (one_bed.id, 1, 1),
        (full_near.id, 0, 3),
    ]


@pytest.mark.parametrize("colour", ["yellow", None])
async def test_the_nearest_is_found_whichever_way_it_lies(client, session, colour):
    # 0.5 km north-east is nearest; 1.23 km south has the lowest latitude, 3 km east the
    # largest longitude: a search box or a distance that favours one direction picks them.
    kind = {"beds": {"beds_yellow": (3, 3)}} if colour else {"type": "cremation_temple"}
    nearest = await make_facility(session, name_th="ใกล้", **kind, **north_east(0.3, 0.4))
    southern = await make_facility(session, name_th="ใต้", **kind, **south(1.23))
    eastern = await make_facility(session, name_th="ตะวันออก", **kind, **east(3))
    moved, _profile, headers = await a_taken_transport(session, colour)

    (first,) = await destinations(client, moved.id, headers, limit=1)
    ranked = await destinations(client, moved.id, headers)

    assert first["facility_id"] == nearest.id
    assert [(d["facility_id"], d["distance_km"]) for d in ranked] == [
        (nearest.id, 0.5),
        (southern.id, 1.2),  # kilometres to one decimal
        (eastern.id, 3.0),
    ]


async def test_at_the_same_distance_more_free_beds_come_first(client, session):
    few = await make_facility(session, name_th="น้อย", beds={"beds_yellow": (5, 1)}, **north(2.0))
    many = await make_facility(session, name_th="มาก", beds={"beds_yellow": (5, 3)}, **north(2.02))
    patient, _profile, headers = await a_taken_transport(session, "yellow")

    ranked = await destinations(client, patient.id, headers)

    assert [(d["facility_id"], d["distance_km"]) for d in ranked] == [
        (many.id, 2.0),
        (few.id, 2.0),
    ]


async def history_of(session, facility_id: int) -> list[FacilityChange]:
    """A facility's history, oldest first, read straight from the database."""
    found = await session.scalars(
        select(FacilityChange)
        .where(FacilityChange.facility_id == facility_id)
        .order_by(FacilityChange.id)
        .execution_options(populate_existing=True)
    )
    return list(found)


async def test_a_reservation_takes_one_bed_of_its_colour_and_leaves_a_trace(client, session):
    hospital = await make_facility(session, beds={"beds_yellow": (3, 3), "beds_red": (2, 1)})
    elsewhere = await make_facility(session, name_th="ที่อื่น", beds={"beds_yellow": (3, 1)})
    first, one, one_headers = await a_taken_transport(session, "yellow")
    second, two, two_headers = await a_taken_transport(session, "yellow")

    dated = []  # when each change was made, as the bed row says
    for moved, headers in ((first, one_headers), (second, two_headers)):
        assert (await choose(client, moved.id, hospital.id, headers)).status_code == 200
        dated.append(await yellow_row_updated_at(session, hospital.id))
    released = await client.post(
        f"/api/v1/requests/{first.id}/transition", json={"to": "open"}, headers=one_headers
    )
    assert released.status_code == 200, released.text
    dated.append(await yellow_row_updated_at(session, hospital.id))

    # One bed of one colour of one facility each time: red and the other facility untouched.
    assert await available(session, hospital.id, "beds_yellow") == 2
    assert await available(session, hospital.id, "beds_red") == 1
    assert await available(session, elsewhere.id, "beds_yellow") == 1
    facility = await session.get(Facility, hospital.id, populate_existing=True)
    # Three changes, three versions: a capacity form loaded before any of them is stale.
    assert (facility.capacity_version, facility.free_yellow, facility.free_red) == (3, 2, 1)
    changes = [c for c in await history_of(session, hospital.id) if c.via == "transport"]
    assert [(c.kind, c.actor_id) for c in changes] == [
        ("reserved", one.user.id),
        ("reserved", two.user.id),
        ("freed", one.user.id),
    ]
    yellow = {"total": 3}
    assert [(c.before, c.after) for c in changes] == [
        ({"beds_yellow": {**yellow, "available": 3}}, {"beds_yellow": {**yellow, "available": 2}}),
        ({"beds_yellow": {**yellow, "available": 2}}, {"beds_yellow": {**yellow, "available": 1}}),
        ({"beds_yellow": {**yellow, "available": 1}}, {"beds_yellow": {**yellow, "available": 2}}),
    ]
    # The history tells the very instant the bed row was changed, and each change is later.
    assert [c.at for c in changes] == dated
    assert dated == sorted(set(dated))


async def yellow_row_updated_at(session, facility_id: int):
    """When a facility's yellow bed row was last changed, read straight from the database."""
    row = await session.get(Capacity, (facility_id, "beds_yellow"), populate_existing=True)
    return row.updated_at


async def test_a_bed_given_back_never_passes_a_total_staff_lowered_meanwhile(client, session):
    hospital = await make_facility(session, beds={"beds_yellow": (3, 1)})
    patient, _profile, headers = await a_taken_transport(session, "yellow")
    assert (await choose(client, patient.id, hospital.id, headers)).status_code == 200
    _staff, staff_headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    lowered = await client.put(
        f"/api/v1/facilities/{hospital.id}/capacity",
        json={"beds_yellow": {"total": 2, "available": 2}},
        headers=staff_headers,
    )
    assert lowered.status_code == 200, lowered.text

    released = await client.post(
        f"/api/v1/requests/{patient.id}/transition", json={"to": "open"}, headers=headers
    )

    assert released.status_code == 200, released.text
    assert await available(session, hospital.id) == 2
    kinds = [c.kind for c in await history_of(session, hospital.id)]
    assert kinds[-1] == "capacity"  # nothing was given back, so nothing is recorded


async def test_refusals_name_the_facility_and_the_colour_in_both_languages(client, session):
    hospital = await make_facility(session, beds={"beds_yellow": (2, 0), "beds_green": (2, 2)})
    evacuating = await make_facility(
        session, name_en="Evacuated Hospital", status="evacuating", beds={"beds_yellow": (2, 2)}
    )
    no_english = await make_facility(
        session, name_th="วัดไม่มีชื่ออังกฤษ", name_en="", beds={"beds_green": (1, 1)}
    )
    patient, _profile, headers = await a_taken_transport(session, "yellow")
    body, _body_driver, body_headers = await a_taken_transport(session, None)

    full = (await choose(client, patient.id, hospital.id, headers)).json()
    no_yellow = (await choose(client, patient.id, no_english.id, headers)).json()
    not_a_temple = (await choose(client, body.id, hospital.id, body_headers)).json()
    not_open = (await choose(client, patient.id, evacuating.id, headers)).json()

    assert (full["code"], no_yellow["code"], not_a_temple["code"]) == (
        "facility.no_free_bed",
        "facility.colour_not_accepted",
        "facility.not_for_the_deceased",
    )
    assert "Test Hospital has no free yellow bed" in full["detail"]
    assert "โรงพยาบาลทดสอบ" in full["detail_th"] and "สีเหลือง" in full["detail_th"]
    assert "วัดไม่มีชื่ออังกฤษ has no beds for yellow patients" in no_yellow["detail"]
    assert "สีเหลือง" in no_yellow["detail_th"]
    assert not_a_temple["detail"].startswith("Test Hospital does not receive the deceased")
    assert not_a_temple["detail_th"].startswith("โรงพยาบาลทดสอบ")
    assert not_open["code"] == "facility.not_open"
    assert not_open["detail"].startswith("Evacuated Hospital is not taking patients now")
    assert not_open["detail_th"].startswith("โรงพยาบาลทดสอบ ไม่รับผู้ป่วย")


@pytest.mark.parametrize("step", ["reserve", "give back"])
async def test_a_bed_change_waits_for_a_change_to_its_facility_and_counts_after_it(
    client, session, engine, step
):
    # The facility row is locked while a bed is reserved or given back: one racing a change
    # made meanwhile (staff, another driver) must not raise the capacity version from a stale
    # value, which would lose the other change's version and let a stale capacity form through.
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite locks the whole database for a writer; the row lock is PostgreSQL's")
    hospital = await make_facility(session, beds={"beds_yellow": (3, 3)})
    patient, _profile, headers = await a_taken_transport(session, "yellow")
    if step == "reserve":
        bed_change = choose(client, patient.id, hospital.id, headers)
    else:
        assert (await choose(client, patient.id, hospital.id, headers)).status_code == 200
        bed_change = client.post(
            f"/api/v1/requests/{patient.id}/transition", json={"to": "open"}, headers=headers
        )
    async with engine.connect() as other_change:
        await other_change.execute(
            update(Facility)
            .where(Facility.id == hospital.id)
            .values(capacity_version=Facility.capacity_version + 1)
        )
        changing = asyncio.create_task(bed_change)
        async with engine.connect() as watcher:
            waiting = 0
            while not waiting and not changing.done():  # until the bed change waits on a lock
                waiting = await watcher.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity"
                        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
                await asyncio.sleep(0.01)
        await other_change.commit()
    assert (await changing).status_code == 200
    facility = await session.get(Facility, hospital.id, populate_existing=True)
    expected = (2, 2) if step == "reserve" else (3, 3)  # one version per change, none lost
    assert (facility.capacity_version, facility.free_yellow) == expected
