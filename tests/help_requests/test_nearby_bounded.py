"""Nearby grows its box only as far as it must, and still finds exactly the nearest requests."""

import math
import random

import pytest
from sqlalchemy import select

from jitasa.core import geo
from jitasa.help_requests import nearest
from jitasa.incidents.models import Category
from tests.factories import make_user
from tests.help_requests.helpers import CHIANG_MAI, make_request, put_in_status, volunteer


async def test_requests_nobody_signed_in_for_are_listed(client, session):
    imported = await make_request(session)
    imported.requester_id = None  # an import, or the phone desk's entry
    await session.commit()
    _profile, headers = await volunteer(session)
    response = await client.get("/api/v1/requests/nearby", params=CHIANG_MAI, headers=headers)
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()] == [imported.id]


@pytest.mark.parametrize("seed", [3, 8])
async def test_the_grown_box_finds_what_ranking_every_request_finds(session, seed):
    rng = random.Random(seed)
    created = []
    for _ in range(40):
        # Dense near the centre, sparse out to ~30 km: boxes of every size are exercised.
        distance = rng.choice([0.3, 0.8, 2.0, 5.0, 12.0, 30.0]) * rng.random()
        bearing = rng.uniform(0, 6.283)
        lat = CHIANG_MAI["lat"] + distance / 111.2 * math.cos(bearing)
        lon = CHIANG_MAI["lon"] + distance / 105.3 * math.sin(bearing)
        created.append(await make_request(session, lat=round(lat, 6), lon=round(lon, 6)))
    centre = geo.round_for_privacy(CHIANG_MAI["lat"], CHIANG_MAI["lon"])
    for radius, limit in [(0.5, 50), (3, 5), (3, 50), (25, 1), (25, 10), (25, 200), (100, 7)]:
        ranked = sorted(
            (round(geo.distance_km(*centre, r.public_lat, r.public_lon), 3), r.id)
            for r in created
            if geo.distance_km(*centre, r.public_lat, r.public_lon) <= radius
        )[:limit]
        found = await nearest.open_near(
            session, lat=CHIANG_MAI["lat"], lon=CHIANG_MAI["lon"], radius_km=radius, limit=limit
        )
        assert [(d, r.id) for r, d in found] == ranked, (radius, limit)


async def test_the_counted_reach_with_filters_finds_what_ranking_every_request_finds(session):
    rng = random.Random(21)
    me, other = await make_user(session), await make_user(session)
    kinds = [("food_supplies", "urgent"), ("other", "normal"), ("oxygen", "red")]
    created = []
    for index in range(60):
        # A third in the asker's own cell (more than the smaller limits), the rest out to ~8 km.
        distance = 0.0 if index % 3 == 0 else rng.choice([0.6, 2.0, 8.0]) * rng.random()
        bearing = rng.uniform(0, 6.283)
        pin = {
            "lat": round(CHIANG_MAI["lat"] + distance / 111.2 * math.cos(bearing), 6),
            "lon": round(CHIANG_MAI["lon"] + distance / 105.3 * math.sin(bearing), 6),
        }
        created.append(
            await make_request(
                session,
                requester=me if index % 4 == 0 else other,
                category=kinds[index % 3][0],
                urgency=kinds[index % 3][1],
                **pin,
            )
        )
    for help_request in created[::7]:
        await put_in_status(session, help_request, "claimed", claimed_by=other)
    centre = geo.round_for_privacy(CHIANG_MAI["lat"], CHIANG_MAI["lon"])
    for radius, limit, categories, not_of in [
        (20, 5, None, me.id),
        (20, 15, {"food_supplies", "other"}, me.id),
        (20, 30, {"oxygen"}, None),
        (3, 50, {"food_supplies"}, me.id),
        (20, 40, set(), me.id),
        (0.2, 10, None, None),
    ]:
        ranked = sorted(
            (round(geo.distance_km(*centre, r.public_lat, r.public_lon), 3), r.id)
            for r in created
            if r.status == "open"
            and (categories is None or r.category in categories)
            and r.requester_id != not_of
            and geo.distance_km(*centre, r.public_lat, r.public_lon) <= radius
        )[:limit]
        codes = (
            None
            if categories is None
            else select(Category.code).where(Category.code.in_(sorted(categories)))
        )
        found = await nearest.open_near(
            session,
            **CHIANG_MAI,
            radius_km=radius,
            limit=limit,
            categories=codes,
            not_of_requester_id=not_of,
        )
        assert [(d, r.id) for r, d in found] == ranked, (radius, limit, categories, not_of)
        assert ranked or not categories
