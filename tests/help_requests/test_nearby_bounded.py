"""Nearby grows its box only as far as it must, and still finds exactly the nearest requests."""

import math
import random

import pytest

from jitasa.core import geo
from jitasa.help_requests import service
from tests.help_requests.helpers import CHIANG_MAI, make_request, volunteer


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
        found = await service.open_near(
            session, lat=CHIANG_MAI["lat"], lon=CHIANG_MAI["lon"], radius_km=radius, limit=limit
        )
        assert [(d, r.id) for r, d in found] == ranked, (radius, limit)
