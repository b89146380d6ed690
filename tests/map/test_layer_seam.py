"""The layer seam: a layer declared only here (shelters: type × status, free beds) is exact."""

import random

import pytest
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jitasa.clusters import service as clusters
from jitasa.clusters.layers import Dimension, MapLayer
from jitasa.clusters.models import MapCell
from jitasa.core.geo import round_for_privacy
from jitasa.map import registry
from tests.help_requests.helpers import make_request

TYPES = ("hospital", "shelter", "clinic")
STATUSES = ("open", "full", "closed")
AREAS = ("500101", "500201", "501902")


class ShelterBase(DeclarativeBase):
    """Tables that exist only for these tests, beside Jitasa's own."""


class Shelter(ShelterBase):
    """A facilities-like place: a type, a status, free beds and a public pin."""

    __tablename__ = "test_shelters"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str | None] = mapped_column(String(2))
    area_code: Mapped[str | None] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    free_beds: Mapped[int]
    lat: Mapped[float]
    lon: Mapped[float]


SHELTERS = MapLayer(
    name="shelters",
    dimensions=(
        Dimension("type", values=TYPES, filter="type"),
        Dimension("status", values=STATUSES, filter="status", default=("open", "full")),
    ),
    measures=("free_beds",),
    source=lambda: select(
        Shelter.province_code,
        Shelter.area_code,
        Shelter.kind.label("type"),
        Shelter.status,
        Shelter.free_beds,
        Shelter.lat,
        Shelter.lon,
    ),
)


def shelter_item(shelter: Shelter):
    """Return what the map counts of a shelter."""
    return SHELTERS.item(
        province_code=shelter.province_code,
        lat=shelter.lat,
        lon=shelter.lon,
        type=shelter.kind,
        status=shelter.status,
        free_beds=shelter.free_beds,
    )


@pytest.fixture
async def shelters_layer(engine, session, monkeypatch):
    """Declare the shelters layer on the map for one test, with its table."""
    async with engine.begin() as connection:
        await connection.run_sync(ShelterBase.metadata.create_all)
    monkeypatch.setitem(registry.LAYERS, SHELTERS.name, SHELTERS)
    yield SHELTERS
    await session.rollback()  # let go of the table before it is dropped
    async with engine.begin() as connection:
        await connection.run_sync(ShelterBase.metadata.drop_all)


async def _random_shelters(session, rng: random.Random) -> list[Shelter]:
    """Open shelters around Chiang Mai (some on one pin), then change many of them."""
    created = []
    for index in range(60):
        lat, lon = rng.uniform(18.70, 18.90), rng.uniform(98.90, 99.10)
        if index % 10 == 0:
            lat, lon = 18.7883, 98.9853
        lat, lon = round_for_privacy(lat, lon)
        area = rng.choice(AREAS)
        shelter = Shelter(
            province_code=area[:2],
            area_code=area,
            kind=rng.choice(TYPES),
            status="open",
            free_beds=rng.randint(0, 40),
            lat=lat,
            lon=lon,
        )
        session.add(shelter)
        await session.flush()
        clusters.count(session, shelter_item(shelter), +1)
        await session.commit()
        created.append(shelter)
    for shelter in created:
        if rng.random() < 0.7:
            before = shelter_item(shelter)
            shelter.status = rng.choice(STATUSES)
            if rng.random() < 0.3:
                shelter.kind = rng.choice(TYPES)
            if rng.random() < 0.5:
                shelter.free_beds = rng.randint(0, 40)
            clusters.move(session, before, shelter_item(shelter))
            await session.commit()
    return created


def _expected(shelters: list[Shelter], bbox, filters: dict) -> tuple[int, int]:
    """Count the shelters whose pin is in the bbox and that match the filters, and their beds."""
    west, south, east, north = bbox
    found = [
        s
        for s in shelters
        if west <= s.lon <= east
        and south <= s.lat <= north
        and s.status in filters.get("status", ["open", "full"])
        and s.kind in filters.get("type", [s.kind])
        and s.area_code.startswith(filters.get("area", ""))
    ]
    return len(found), sum(s.free_beds for s in found)


async def test_a_declared_layer_counts_exactly_under_inserts_and_updates(
    client, session, shelters_layer
):
    rng = random.Random(11)
    shelters = await _random_shelters(session, rng)
    assert {s.status for s in shelters} == set(STATUSES)
    filter_sets = [
        {},
        {"status": list(STATUSES)},
        {"type": ["clinic"]},
        {"type": ["hospital", "shelter"], "status": ["closed"]},
        {"area": "50"},
        {"area": "5001", "status": list(STATUSES)},
    ]
    boxes = [(97.0, 5.0, 106.0, 21.0), (98.95, 18.75, 99.05, 18.85), (98.98, 18.78, 98.99, 18.79)]
    checked = 0
    for bbox in boxes:
        for zoom in (5, 9, 12, 14, 17):
            for filters in filter_sets:
                params = {"bbox": ",".join(map(str, bbox)), "zoom": zoom, "layers": "shelters"}
                params |= {k: ",".join(v) if isinstance(v, list) else v for k, v in filters.items()}
                response = await client.get("/api/v1/map", params=params)
                assert response.status_code == 200, response.text
                body = response.json()
                expected, beds = _expected(shelters, bbox, filters)
                counted = sum(f["properties"]["count"] for f in body["features"])
                summed = sum(f["properties"]["sums"]["free_beds"] for f in body["features"])
                assert (counted, summed) == (expected, beds), params
                assert body["totals"] == {"shelters": expected}
                checked += expected
    assert checked > 500


async def test_a_declared_layer_shows_its_own_dimensions_and_no_points(
    client, session, shelters_layer
):
    for kind in ("clinic", "clinic", "hospital"):
        shelter = Shelter(
            province_code="50",
            area_code="500101",
            kind=kind,
            status="open",
            free_beds=4,
            lat=18.7875,
            lon=98.9875,
        )
        session.add(shelter)
        await session.flush()
        clusters.count(session, shelter_item(shelter), +1)
    await session.commit()
    params = {"bbox": "98.9,18.7,99.1,18.9", "layers": "shelters"}
    for zoom in (6, 17):
        body = (await client.get("/api/v1/map", params={**params, "zoom": zoom})).json()
        (feature,) = body["features"]
        assert feature["properties"]["cluster"] is True
        assert feature["properties"]["counts"] == {
            "type": {"clinic": 2, "hospital": 1},
            "status": {"open": 3},
        }
        assert feature["properties"]["sums"] == {"free_beds": 12}
    lone = {**params, "zoom": 17, "type": "hospital"}
    (feature,) = (await client.get("/api/v1/map", params=lone)).json()["features"]
    assert feature["properties"]["cluster"] is True  # no public view declared: still a cluster
    assert feature["properties"]["count"] == 1


async def test_layers_share_a_filter_name_and_each_keeps_its_own_values(
    client, session, shelters_layer
):
    await make_request(session)
    shelter = Shelter(
        province_code="50",
        area_code="500101",
        kind="clinic",
        status="full",
        free_beds=0,
        lat=18.7875,
        lon=98.9875,
    )
    session.add(shelter)
    await session.flush()
    clusters.count(session, shelter_item(shelter), +1)
    await session.commit()
    params = {"bbox": "97.3,5.6,105.7,20.5", "zoom": 6, "layers": "requests,shelters"}
    both = (await client.get("/api/v1/map", params=params)).json()
    assert both["totals"] == {"requests": 1, "shelters": 1}
    full = (await client.get("/api/v1/map", params={**params, "status": "full"})).json()
    assert full["totals"] == {"requests": 0, "shelters": 1}
    # A filter of another layer leaves this one alone.
    urgent = {**params, "layers": "shelters", "urgency": "red"}
    assert (await client.get("/api/v1/map", params=urgent)).json()["totals"] == {"shelters": 1}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "castle"}, "type"),
        ({"status": "lost"}, "status"),
        ({"status": "open", "type": "clinic,moat"}, "type"),
        ({"type": ["clinic"] * 201}, "type"),
    ],
)
async def test_a_declared_layer_refuses_unknown_filter_values_naming_the_field(
    client, shelters_layer, params, field
):
    base = {"bbox": "97.3,5.6,105.7,20.5", "zoom": 6, "layers": "shelters"}
    response = await client.get("/api/v1/map", params={**base, **params})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["message_th"]


async def test_recounting_every_layer_rebuilds_a_declared_layer(session, shelters_layer):
    await _random_shelters(session, random.Random(5))
    await make_request(session)

    async def snapshot(layer: str) -> dict:
        cells = await session.scalars(
            select(MapCell).where(MapCell.layer == layer, MapCell.count != 0)
        )
        return {
            (c.province_code, c.level, c.x, c.y, c.d1, c.d2, c.d3): (
                c.count,
                round(c.sum_lat, 6),
                round(c.sum_lon, 6),
                c.m1,
                c.m2,
                c.m3,
            )
            for c in cells
        }

    kept = {layer: await snapshot(layer) for layer in ("requests", "shelters")}
    assert {key[6] for key in kept["shelters"]} == {""}  # two dimensions: d3 unused
    rebuilt = await registry.recount_all(session)
    await session.commit()
    session.expunge_all()
    assert set(rebuilt) == {"requests", "shelters", "facilities"}
    assert {layer: await snapshot(layer) for layer in kept} == kept
    assert await registry.recount_all(session, only_if_empty=True) == {}
