"""The map's counts are exact: clusters and points of any bbox add up to the requests there."""

import random

import pytest
from sqlalchemy import select

from jitasa.accounts.models import User
from jitasa.accounts.policy import ClaimLimits
from jitasa.clusters.models import MapCell
from jitasa.help_requests import lifecycle
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import Actor, CloseReason, Status
from jitasa.map import registry
from tests.factories import make_user
from tests.help_requests.helpers import make_request, volunteer

CATEGORIES = [("food_supplies", "urgent"), ("food_supplies", "normal"), ("oxygen", "red")]
CATEGORIES += [("medicine", "yellow"), ("other", "normal")]
EVERY_STATUS = [s.value for s in Status]
FILTERS = [
    {},
    {"status": EVERY_STATUS},
    {"status": ["resolved", "cancelled"]},
    {"category": ["oxygen", "medicine"], "status": EVERY_STATUS},
    {"urgency": ["normal"]},
    {"area": "50", "status": EVERY_STATUS},
    {"area": "5001"},
    {"area": "500101", "status": EVERY_STATUS},
]


async def _random_world(session, rng: random.Random) -> list[HelpRequest]:
    """Create requests around Chiang Mai (some on one pin), then move many of them on."""
    requester = await make_user(session)
    # One busy helper reaching every pin of the world, so that many requests move on.
    profile, _headers = await volunteer(session, service_radius_km=50)
    helper = await session.get(User, profile.user_id)
    busy = ClaimLimits(verified_open=100, releases_per_hour=100)
    created = []
    for index in range(70):
        lat, lon = rng.uniform(18.70, 18.90), rng.uniform(98.90, 99.10)
        if index % 10 == 0:
            lat, lon = 18.7883, 98.9853  # a crowded spot: many requests on one public pin
        category, urgency = rng.choice(CATEGORIES)
        created.append(
            await make_request(
                session,
                requester=requester,
                lat=lat,
                lon=lon,
                category=category,
                urgency=urgency,
                consent=True,
            )
        )
    for help_request in created:
        roll = rng.random()
        if roll < 0.6:
            await lifecycle.claim(session, help_request=help_request, user=helper, limits=busy)
            if roll < 0.3:
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.RESOLVED
                )
            elif roll < 0.4:
                await lifecycle.transition(
                    session, help_request=help_request, user=helper, to=Status.OPEN, limits=busy
                )
        elif roll < 0.7:
            await lifecycle.transition(
                session,
                help_request=help_request,
                user=None,
                to=Status.CLOSED,
                reason=CloseReason.OUT_OF_SCOPE,
                actors={Actor.AREA_STAFF},
            )
        await session.commit()
    return created


def _expected(rows: list[HelpRequest], bbox, filters: dict) -> int:
    """Count the requests whose public pin is in the bbox and that match the filters."""
    west, south, east, north = bbox
    statuses = filters.get("status") or ["open", "claimed", "in_progress"]
    return sum(
        1
        for r in rows
        if west <= r.public_lon <= east
        and south <= r.public_lat <= north
        and r.status in statuses
        and r.category in filters.get("category", [r.category])
        and r.urgency in filters.get("urgency", [r.urgency])
        and (r.area_code or "").startswith(filters.get("area", ""))
    )


def _bboxes(rng: random.Random, rows: list[HelpRequest]) -> list[tuple]:
    """Return viewports of every size, some with edges exactly on public pins."""
    boxes = [(97.0, 5.0, 106.0, 21.0), (-180.0, -90.0, 180.0, 90.0), (98.95, 18.75, 99.05, 18.85)]
    for _ in range(6):
        lon, lat = rng.uniform(98.9, 99.1), rng.uniform(18.7, 18.9)
        half_width, half_height = rng.choice([0.002, 0.01, 0.04, 0.15, 1.0]), rng.uniform(0.003, 1)
        boxes.append((lon - half_width, lat - half_height, lon + half_width, lat + half_height))
    for _ in range(3):
        a, b = rng.sample(rows, 2)
        boxes.append(
            (
                min(a.public_lon, b.public_lon),
                min(a.public_lat, b.public_lat),
                max(a.public_lon, b.public_lon),
                max(a.public_lat, b.public_lat),
            )
        )
    return boxes


async def test_counts_add_up_in_every_bbox_at_every_zoom(client, session):
    rng = random.Random(2021)
    await _random_world(session, rng)
    rows = list((await session.scalars(select(HelpRequest))).all())
    assert {r.status for r in rows} >= {"open", "claimed", "resolved", "closed"}
    checked = 0
    for bbox in _bboxes(rng, rows):
        for zoom in range(0, 21):
            for filters in rng.sample(FILTERS, 3):
                params = {"bbox": ",".join(f"{v:.6f}" for v in bbox), "zoom": zoom}
                params |= {k: ",".join(v) if isinstance(v, list) else v for k, v in filters.items()}
                response = await client.get("/api/v1/map", params=params)
                assert response.status_code == 200, response.text
                body = response.json()
                rounded = tuple(float(v) for v in params["bbox"].split(","))
                expected = _expected(rows, rounded, filters)
                counted = sum(f["properties"]["count"] for f in body["features"])
                assert (counted, body["totals"]["requests"]) == (expected, expected), (
                    params,
                    counted,
                    expected,
                )
                checked += expected
    assert checked > 1000  # the viewports were not all empty


async def test_kept_counts_equal_a_recount_from_scratch(session):
    await _random_world(session, random.Random(7))

    async def snapshot() -> dict:
        cells = await session.scalars(select(MapCell).where(MapCell.count != 0))
        return {
            (c.province_code, c.level, c.x, c.y, c.d1, c.d2, c.d3): (
                c.count,
                round(c.sum_lat, 6),
                round(c.sum_lon, 6),
            )
            for c in cells
        }

    kept = await snapshot()
    assert (await registry.recount_all(session))["requests"] > 0
    await session.commit()
    session.expunge_all()
    assert kept == await snapshot()
    assert {key[0] for key in kept} == {"", "50"}  # national and provincial rows


async def test_a_rolled_back_change_leaves_the_counts_alone(session):
    help_request = await make_request(session)
    national = (MapCell.level == 0, MapCell.province_code == "")
    before = await session.scalar(select(MapCell.count).where(*national))
    profile, _headers = await volunteer(session)
    helper = await session.get(User, profile.user_id)
    await lifecycle.claim(session, help_request=help_request, user=helper)
    await session.rollback()
    statuses = await session.scalars(select(MapCell.d3).where(*national, MapCell.count > 0))
    assert (before, list(statuses)) == (1, ["open"])


@pytest.mark.parametrize("zoom", [14, 18])
async def test_lone_requests_up_close_are_public_points(client, session, zoom):
    help_request = await make_request(session, lat=18.80123, lon=98.99877)
    bbox = "98.99,18.79,99.01,18.81"
    body = (await client.get("/api/v1/map", params={"bbox": bbox, "zoom": zoom})).json()
    (feature,) = body["features"]
    assert feature["properties"]["cluster"] is False
    assert feature["properties"]["id"] == help_request.id
    assert feature["geometry"]["coordinates"] == [help_request.public_lon, help_request.public_lat]
    assert not {"contact_phone", "contact_name", "description"} & set(feature["properties"])


async def test_crowded_pins_and_far_views_are_clusters_with_counts_by_kind(client, session):
    for urgency in ("urgent", "normal", "urgent"):
        await make_request(session, urgency=urgency)
    for zoom in (5, 11, 16):
        body = (
            await client.get("/api/v1/map", params={"bbox": "98.5,18.5,99.5,19.5", "zoom": zoom})
        ).json()
        (feature,) = body["features"]
        assert feature["properties"]["cluster"] is True
        assert feature["properties"]["counts"] == {
            "category": {"food_supplies": 3},
            "urgency": {"urgent": 2, "normal": 1},
            "status": {"open": 3},
        }
        west, south, east, north = feature["bbox"]
        lon, lat = feature["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north
