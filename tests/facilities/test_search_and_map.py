"""Public search (nearest first, free beds of a colour) and the facilities' exact map layer."""

import random

import pytest
from sqlalchemy import select

from jitasa.clusters import service as clusters
from jitasa.clusters.models import MapCell
from jitasa.core import geo
from jitasa.core.words import Role
from jitasa.facilities.map_layer import FACILITIES
from tests.facilities.helpers import CHOM_THONG, MAHARAJ, make_facility
from tests.factories import signed_in

SAN_SAI = {"lat": 18.8443, "lon": 99.0419}
CHIANG_MAI_BOX = "98.3,17.7,99.6,20.1"


async def test_near_orders_by_distance_and_says_how_far(client, session):
    far = await make_facility(session, name_th="จอมทอง", **CHOM_THONG)
    near = await make_facility(session, name_th="มหาราช", **MAHARAJ)
    middle = await make_facility(session, name_th="สันทราย", **SAN_SAI)
    probe = {"lat": 18.80, "lon": 98.98}
    response = await client.get("/api/v1/facilities", params={"near": "18.80,98.98"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [i["id"] for i in items] == [near.id, middle.id, far.id]
    for item in items:
        expected = geo.distance_km(probe["lat"], probe["lon"], item["lat"], item["lon"])
        assert abs(item["distance_km"] - expected) < 0.01
    assert items[0]["distance_km"] < items[1]["distance_km"] < items[2]["distance_km"]
    page = await client.get("/api/v1/facilities", params={"near": "18.80,98.98", "limit": 2})
    assert [i["id"] for i in page.json()["items"]] == [near.id, middle.id]
    rest = await client.get(
        "/api/v1/facilities",
        params={"near": "18.80,98.98", "limit": 2, "cursor": page.json()["next_cursor"]},
    )
    assert [i["id"] for i in rest.json()["items"]] == [far.id]
    assert rest.json()["next_cursor"] is None


async def test_nearest_open_facility_of_a_type_with_a_free_bed_of_a_colour(client, session):
    await make_facility(session, name_th="เต็ม", beds={"beds_yellow": (10, 0)}, **MAHARAJ)
    closed = await make_facility(
        session, name_th="ปิด", status="closed", beds={"beds_yellow": (10, 5)}, **MAHARAJ
    )
    field = await make_facility(
        session, type="field_hospital", name_th="สนาม", beds={"beds_yellow": (50, 9)}, **SAN_SAI
    )
    hospital = await make_facility(
        session, name_th="จอมทอง", beds={"beds_yellow": (5, 1), "beds_red": (2, 2)}, **CHOM_THONG
    )
    query = {"near": "18.79,98.97", "free_beds": "yellow", "status": "open"}
    found = (await client.get("/api/v1/facilities", params=query)).json()["items"]
    assert [f["id"] for f in found] == [field.id, hospital.id]
    only_hospitals = {**query, "type": "hospital"}
    found = (await client.get("/api/v1/facilities", params=only_hospitals)).json()["items"]
    assert [f["id"] for f in found] == [hospital.id]
    red = (await client.get("/api/v1/facilities", params={"free_beds": "red"})).json()["items"]
    assert [f["id"] for f in red] == [hospital.id]
    # The full facility (no free bed at all) is offered for no colour, green included.
    green = (await client.get("/api/v1/facilities", params={"free_beds": "green"})).json()
    assert green["items"] == []
    everything = (await client.get("/api/v1/facilities")).json()["items"]
    assert closed.id in [f["id"] for f in everything]
    assert everything[0]["phone"] == "053-100-200"  # a public place: its phone is public
    assert everything[0]["type_name_th"] == "โรงพยาบาล"


async def test_unknown_filters_are_a_422_naming_them(client, session):
    for params, field in [
        ({"type": "castle"}, "type"),
        ({"free_beds": "purple"}, "free_beds"),
        ({"status": "asleep"}, "status"),
        ({"near": "north"}, "near"),
        ({"near": "95,100"}, "near"),
    ]:
        response = await client.get("/api/v1/facilities", params=params)
        assert response.status_code == 422, params
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await client.get("/api/v1/facilities/999")).status_code == 404


@pytest.mark.parametrize("near", ["nan,98.98", "18.79,inf", "-inf,98.98"])
async def test_near_that_is_not_finite_is_told_so(client, near):
    response = await client.get("/api/v1/facilities", params={"near": near})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "near"
    assert error["message"] == "near must be two finite numbers: lat,lon."
    assert error["message_th"].startswith("ใกล้จุด ต้องเป็นตัวเลขที่มีค่าจำกัดสองค่า")


async def test_types_are_data_with_thai_names(client):
    types = (await client.get("/api/v1/facilities/types")).json()
    names = {t["code"]: t["name_th"] for t in types}
    assert names["hospital"] == "โรงพยาบาล"
    assert names["field_hospital"] == "โรงพยาบาลสนาม"
    assert names["community_isolation"] == "ศูนย์พักคอย"
    assert names["vaccination_point"] == "จุดฉีดวัคซีน"
    assert all(t["icon"] for t in types)


async def _map(client, **params) -> dict:
    """Return the facilities layer of Chiang Mai province's view."""
    query = {"bbox": CHIANG_MAI_BOX, "zoom": 9, "layers": "facilities", **params}
    response = await client.get("/api/v1/map", params=query)
    assert response.status_code == 200, response.text
    return response.json()


async def test_map_counts_and_free_beds_are_exact_after_changes(client, session):
    rng = random.Random(10)
    _staff, headers = await signed_in(session, roles=[Role.ADMIN])
    made = []
    for index in range(25):
        lat, lon = rng.uniform(18.6, 19.0), rng.uniform(98.85, 99.15)
        beds = {f"beds_{c}": (20, rng.randint(0, 3)) for c in ("green", "red")}
        kind = rng.choice(["hospital", "field_hospital", "community_isolation"])
        made.append(
            await make_facility(
                session, name_th=f"ที่ {index}", type=kind, lat=lat, lon=lon, beds=beds
            )
        )
    for facility in rng.sample(made, 12):
        free = rng.randint(0, 20)
        response = await client.put(
            f"/api/v1/facilities/{facility.id}/capacity",
            json={"beds_red": {"total": 20, "available": free}},
            headers=headers,
        )
        assert response.status_code == 200
    listed = (await client.get("/api/v1/facilities", params={"limit": 500})).json()["items"]
    answer = await _map(client)
    clusters_ = [f for f in answer["features"] if f["properties"]["cluster"]]
    points = [f for f in answer["features"] if not f["properties"]["cluster"]]
    assert answer["totals"]["facilities"] == len(listed) == 25
    assert sum(c["properties"]["count"] for c in clusters_) + len(points) == 25
    red = sum(c["properties"]["sums"]["free_red"] for c in clusters_)
    red += sum(p["properties"]["free_beds"]["red"] for p in points)
    assert red == sum(f["free_beds"]["red"] for f in listed)
    with_red = [f for f in listed if f["free_beds"]["red"] > 0]
    assert (await _map(client, free_beds="red"))["totals"]["facilities"] == len(with_red)
    hospitals = [f for f in listed if f["type"] == "hospital"]
    assert (await _map(client, type="hospital"))["totals"]["facilities"] == len(hospitals)
    kept = await _cells(session)
    await clusters.recount(session, FACILITIES)
    await session.commit()
    assert await _cells(session) == kept


async def _cells(session) -> list[tuple]:
    """Return the facilities layer's cell rows with a count, in key order."""
    rows = await session.execute(
        select(
            MapCell.province_code,
            MapCell.level,
            MapCell.x,
            MapCell.y,
            MapCell.d1,
            MapCell.d2,
            MapCell.d3,
            MapCell.count,
            MapCell.m1,
            MapCell.m2,
            MapCell.m3,
        )
        .where(MapCell.layer == "facilities", MapCell.count != 0)
        .order_by(
            MapCell.province_code,
            MapCell.level,
            MapCell.x,
            MapCell.y,
            MapCell.d1,
            MapCell.d2,
            MapCell.d3,
        )
    )
    return [tuple(r) for r in rows]


async def test_a_lone_facility_is_a_point_at_its_exact_pin_with_its_numbers(client, session):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    answer = await _map(client)
    [point] = answer["features"]
    assert point["properties"]["cluster"] is False
    assert point["geometry"]["coordinates"] == [MAHARAJ["lon"], MAHARAJ["lat"]]
    assert point["properties"]["id"] == facility.id
    assert point["properties"]["free_beds"] == {"red": 0, "yellow": 4, "green": 0}
