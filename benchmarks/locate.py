"""Scenario `locate`: which province and district hold random points of Thailand."""

import random
import time

import httpx

from benchmarks.stats import summarise
from jitasa.areas import service as areas_service
from jitasa.main import create_app

THAILAND_BOX = (97.3, 5.6, 105.7, 20.5)


def random_points(count: int, seed: int = 2021) -> list[tuple[float, float]]:
    """Return reproducible random (lat, lon) points in Thailand's bounding box."""
    rng = random.Random(seed)
    west, south, east, north = THAILAND_BOX
    return [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(count)]


async def run(context, *, points: int = 10_000, http_requests: int = 1_000) -> dict:
    """Time the locator one point at a time, in bulk, and through the HTTP endpoint."""
    async with context.session_factory() as session:
        snapshot = await areas_service.directory(session, refresh_seconds=3600)
    locator = snapshot.locator
    sample = random_points(points)

    samples, started = [], time.perf_counter()
    for lat, lon in sample:
        t0 = time.perf_counter()
        locator.locate(lat, lon)
        samples.append(time.perf_counter() - t0)
    one_by_one = summarise(samples, time.perf_counter() - started)

    started = time.perf_counter()
    found = locator.locate_many([p[0] for p in sample], [p[1] for p in sample])
    bulk_seconds = time.perf_counter() - started

    app = create_app(context.settings)
    transport = httpx.ASGITransport(app=app)
    samples = []
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        started = time.perf_counter()
        for lat, lon in sample[:http_requests]:
            t0 = time.perf_counter()
            response = await client.get("/api/v1/areas/locate", params={"lat": lat, "lon": lon})
            response.raise_for_status()
            samples.append(time.perf_counter() - t0)
        http = summarise(samples, time.perf_counter() - started)
    await app.state.engine.dispose()

    return {
        "boundaries": len(locator),
        "points": points,
        "points_in_thailand": sum(1 for f in found if f),
        "one_by_one": one_by_one.as_dict(),
        "bulk_seconds": round(bulk_seconds, 4),
        "bulk_per_second": round(points / bulk_seconds, 1),
        "http_in_process": http.as_dict(),
    }
