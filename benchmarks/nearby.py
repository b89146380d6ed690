"""Scenario `nearby`: a signed-in volunteer asks for the 50 nearest open requests within 20 km."""

import time

import numpy as np

from benchmarks import clients
from benchmarks.stats import Budget, summarise
from jitasa.core import geo
from jitasa.core.words import Role
from jitasa.help_requests.states import Status

RADIUS_KM = 20.0
LIMIT = 50
TARGET_P95_MS = 20.0


class OpenIndex:
    """The floor: open requests' public pins in memory, sorted by latitude."""

    def __init__(self, points: np.ndarray) -> None:
        order = np.argsort(points[:, 0], kind="stable")
        self.lats, self.lons = points[order, 0], points[order, 1]

    def nearest(self, lat: float, lon: float) -> np.ndarray:
        """Return the distances (km) of the 50 nearest pins within 20 km, nearest first."""
        west, south, east, north = geo.bbox_around(lat, lon, RADIUS_KM)
        start, stop = np.searchsorted(self.lats, [south, north])
        lats, lons = self.lats[start:stop], self.lons[start:stop]
        box = (lons >= west) & (lons <= east)
        lats, lons = np.radians(lats[box]), np.radians(lons[box])
        phi, lam = np.radians(lat), np.radians(lon)
        a = (
            np.sin((lats - phi) / 2) ** 2
            + np.cos(phi) * np.cos(lats) * np.sin((lons - lam) / 2) ** 2
        )
        distance = 2 * geo.EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        distance = distance[distance <= RADIUS_KM]
        if len(distance) > LIMIT:
            distance = np.partition(distance, LIMIT)[:LIMIT]
        return np.sort(distance)


async def run(
    context, *, asks: int = 1000, budget_seconds: float = 60.0, warmup: int = 5, seed: int = 11
) -> dict:
    """Time /api/v1/requests/nearby at random requests' positions against the in-memory floor."""
    exact = await clients.pins(context, public=False)
    if not len(exact):
        return {"skipped": "no help requests: run with --rows N"}
    rng = np.random.default_rng(seed)
    spots = exact[rng.integers(0, len(exact), asks)]
    headers = (await clients.signed_in(context, 1, role=Role.VOLUNTEER))[0]
    samples, found = [], []
    async with clients.in_process(context.settings) as client:
        for lat, lon in spots[:warmup].tolist():
            params = {"lat": lat, "lon": lon, "radius_km": RADIUS_KM, "limit": LIMIT}
            await client.get("/api/v1/requests/nearby", params=params, headers=headers)
        wall, budget = time.perf_counter(), Budget(budget_seconds)
        for lat, lon in spots.tolist():
            if budget.spent(len(samples)):
                break
            params = {"lat": lat, "lon": lon, "radius_km": RADIUS_KM, "limit": LIMIT}
            started = time.perf_counter()
            response = await client.get("/api/v1/requests/nearby", params=params, headers=headers)
            samples.append(time.perf_counter() - started)
            response.raise_for_status()
            found.append(len(response.json()))
        http = summarise(samples, time.perf_counter() - wall)
    spots = spots[: len(samples)]

    index = OpenIndex(await clients.pins(context, statuses=[Status.OPEN]))
    floor, floor_found, wall = [], [], time.perf_counter()
    for lat, lon in spots.tolist():
        started = time.perf_counter()
        floor_found.append(len(index.nearest(lat, lon)))
        floor.append(time.perf_counter() - started)
    return {
        "asks": len(samples),
        "http_in_process": http.as_dict(),
        "results_mean": round(float(np.mean(found)), 1),
        "floor_in_memory": summarise(floor, time.perf_counter() - wall).as_dict(),
        "floor_results_mean": round(float(np.mean(floor_found)), 1),
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": http.p95_ms <= TARGET_P95_MS,
    }
