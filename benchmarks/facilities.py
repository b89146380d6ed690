"""Benchmark facilities: 10,000 places spread like Thailand's people, with beds by colour."""

import time

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.clients import in_process
from benchmarks.stats import summarise
from jitasa.core import geo
from jitasa.core.db import utcnow
from jitasa.facilities.models import Capacity, Facility
from jitasa.facilities.words import BED_RESOURCES, free_colours

COUNT = 10_000
TYPE_MIX = {
    "hospital": 0.15,
    "field_hospital": 0.1,
    "community_isolation": 0.3,
    "screening_point": 0.15,
    "vaccination_point": 0.25,
    "oxygen_refill": 0.05,
}
STATUS_MIX = {"open": 0.7, "full": 0.2, "closed": 0.08, "evacuating": 0.02}
PATH = "/api/v1/map"


async def load_facilities(engine: AsyncEngine, districts, count: int, rng, load) -> int:
    """Load `count` facilities with a capacity row per colour of bed; return how many."""
    lats, lons, owners = districts.sample(count, rng)
    codes = np.array(districts.codes)[owners].tolist()
    now = utcnow()
    totals = rng.integers(0, 120, size=(count, len(BED_RESOURCES)))
    free = (totals * rng.uniform(0, 1, size=totals.shape)).astype(int)
    free[rng.uniform(0, 1, count) < 0.3] = 0  # a third have no free bed at all
    colours = list(BED_RESOURCES)
    cells = [geo.round_for_privacy(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    rows = {
        "type": rng.choice(list(TYPE_MIX), size=count, p=list(TYPE_MIX.values())).tolist(),
        "name_th": [f"จุดบริการ {i + 1}" for i in range(count)],
        "name_en": [f"Facility {i + 1}" for i in range(count)],
        "status": rng.choice(list(STATUS_MIX), size=count, p=list(STATUS_MIX.values())).tolist(),
        "lat": lats.tolist(),
        "lon": lons.tolist(),
        "cell_lat": [c[0] for c in cells],
        "cell_lon": [c[1] for c in cells],
        "province_code": [code[:2] for code in codes],
        "area_code": codes,
        "address": [""] * count,
        "phone": ["02-000-0000"] * count,
        "opening_hours": [""] * count,
        "services": ["[]"] * count if engine.dialect.name == "postgresql" else [[]] * count,
        "source": ["benchmark"] * count,
        "external_id": [str(i) for i in range(count)],
        **{f"free_{c}": free[:, i].tolist() for i, c in enumerate(colours)},
        **{f"beds_{c}": totals[:, i].tolist() for i, c in enumerate(colours)},
        "free_colours": [free_colours(dict(zip(colours, row, strict=True))) for row in free],
        "capacity_version": [0] * count,
        "created_at": [now] * count,
        "updated_at": [now] * count,
    }
    await load(engine, Facility.__table__, rows)
    async with engine.connect() as connection:
        ids = list(
            await connection.scalars(
                select(Facility.id).where(Facility.source == "benchmark").order_by(Facility.id)
            )
        )
    capacity = {"facility_id": [], "resource": [], "total": [], "available": [], "updated_at": []}
    for number, facility_id in enumerate(ids):
        for index, colour in enumerate(colours):
            capacity["facility_id"].append(facility_id)
            capacity["resource"].append(BED_RESOURCES[colour])
            capacity["total"].append(int(totals[number, index]))
            capacity["available"].append(int(free[number, index]))
            capacity["updated_at"].append(now)
    await load(engine, Capacity.__table__, capacity)
    return len(ids)


async def map_layer(context, viewports: dict, budget_seconds: float = 20.0) -> dict:
    """Time `GET /api/v1/map?layers=facilities` over the same viewports, zoom by zoom."""
    figures = {}
    async with in_process(context.settings, map_index=True) as client:
        for zoom, boxes in viewports.items():
            samples, features, counted, started = [], [], [], time.perf_counter()
            for box in boxes:
                if time.perf_counter() - started > budget_seconds:
                    break
                params = {"bbox": ",".join(f"{v:.5f}" for v in box), "zoom": zoom}
                began = time.perf_counter()
                response = await client.get(PATH, params={**params, "layers": "facilities"})
                samples.append(time.perf_counter() - began)
                assert response.status_code == 200, response.text
                body = response.json()
                features.append(len(body["features"]))
                counted.append(body["totals"]["facilities"])
            timing = summarise(samples, time.perf_counter() - started)
            figures[str(zoom)] = {
                "http_in_process": timing.as_dict(),
                "features_mean": round(float(np.mean(features)), 1),
                "facilities_mean": round(float(np.mean(counted)), 1),
            }
    return figures
