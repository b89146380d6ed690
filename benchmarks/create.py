"""Scenario `create`: requesters post new requests; the floor is a bare insert of the same rows."""

import asyncio
import time
from collections import Counter

import numpy as np
from sqlalchemy import delete, insert, select

from benchmarks import clients
from benchmarks.generate import (
    CATEGORY_MIX,
    DESCRIPTIONS,
    MEDICAL_URGENCY_MIX,
    OTHER_URGENCY_MIX,
)
from benchmarks.population import Districts
from benchmarks.stats import summarise
from jitasa.areas.models import Area
from jitasa.core.words import OTHER_URGENCIES, TRIAGE_COLOURS, Role
from jitasa.help_requests.models import HelpRequest
from jitasa.incidents import service as incidents_service

TARGET_PER_SECOND = 300.0
TARGET_P95_MS = 50.0
FLOOR_CODE = "BF-"


async def bodies(context, count: int, seed: int) -> list[dict]:
    """Return realistic SOS form posts at population-weighted points of Thailand."""
    rng = np.random.default_rng(seed)
    async with context.session_factory() as session:
        incident = await incidents_service.default_incident(session)
        known = set(await session.scalars(select(Area.code).where(Area.level == "district")))
    lats, lons, _owners = Districts.load(known).sample(count, rng)
    categories = incident.categories
    weights = np.array([CATEGORY_MIX.get(c.code, 1) for c in categories], dtype=float)
    chosen = rng.choice(len(categories), size=count, p=weights / weights.sum())
    posts = []
    for i, (lat, lon, pick) in enumerate(zip(lats.tolist(), lons.tolist(), chosen, strict=True)):
        category = categories[pick]
        urgency = (
            rng.choice(TRIAGE_COLOURS, p=MEDICAL_URGENCY_MIX)
            if category.medical
            else rng.choice(OTHER_URGENCIES, p=OTHER_URGENCY_MIX)
        )
        posts.append(
            {
                "category": category.code,
                "urgency": str(urgency),
                "lat": lat,
                "lon": lon,
                "people_count": int(rng.integers(1, 6)),
                "description": DESCRIPTIONS[i % len(DESCRIPTIONS)],
                "contact_phone": f"09{seed % 100:02d}{i:06d}",
                "consent": True,
            }
        )
    return posts


async def _post_all(client, posts: list[dict], headers: list[dict], concurrency: int):
    """Post every body with `concurrency` in flight; return latencies, ids, failures, wall time."""
    samples, ids, failures, queue = [], [], Counter(), list(enumerate(posts))

    async def worker() -> None:
        while queue:
            number, body = queue.pop()
            started = time.perf_counter()
            response = await client.post(
                "/api/v1/requests", json=body, headers=headers[number % len(headers)]
            )
            samples.append(time.perf_counter() - started)
            if response.status_code == 201:
                ids.append(response.json()["id"])
            else:
                failures[response.status_code] += 1

    wall = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return samples, ids, dict(failures), time.perf_counter() - wall


async def copies_of(context, ids: list[int], *, prefix: str = FLOOR_CODE) -> list[dict]:
    """Return the requests with these ids as rows to insert again, each under a floor code."""
    table = HelpRequest.__table__
    columns = [c for c in table.columns if c.name != "id"]
    async with context.session_factory() as session:
        rows = [
            dict(r._mapping)
            for r in await session.execute(select(*columns).where(table.c.id.in_(ids)))
        ]
    for number, row in enumerate(rows):
        row["code"] = f"{prefix}{number:07d}"
    return rows


async def _bare_inserts(context, ids: list[int]) -> dict:
    """Insert the created rows again with bare Core inserts: one per transaction, then in bulk."""
    table = HelpRequest.__table__
    rows = await copies_of(context, ids)
    engine = context.engine
    samples, wall = [], time.perf_counter()
    for row in rows:
        started = time.perf_counter()
        async with engine.begin() as connection:
            await connection.execute(insert(table), row)
        samples.append(time.perf_counter() - started)
    one_by_one = summarise(samples, time.perf_counter() - wall)
    async with engine.begin() as connection:
        await connection.execute(delete(table).where(table.c.code.startswith(FLOOR_CODE)))
    started = time.perf_counter()
    async with engine.begin() as connection:
        await connection.execute(insert(table), rows)
    bulk_seconds = time.perf_counter() - started
    async with engine.begin() as connection:
        await connection.execute(delete(table).where(table.c.code.startswith(FLOOR_CODE)))
    return {
        "one_insert_per_transaction": one_by_one.as_dict(),
        "bulk_executemany_per_second": round(len(rows) / bulk_seconds, 1),
    }


async def run(
    context,
    *,
    sequential: int = 300,
    concurrent: int = 1000,
    concurrency: int = 16,
    warmup: int = 5,
    seed: int = 3,
) -> dict:
    """Time POST /api/v1/requests one at a time and many in flight, then the bare-insert floor."""
    posts = await bodies(context, warmup + sequential + concurrent, seed)
    warm, one_posts, many_posts = (
        posts[:warmup],
        posts[warmup : warmup + sequential],
        posts[warmup + sequential :],
    )
    headers = await clients.signed_in(context, 20, role=Role.REQUESTER)
    async with clients.in_process(context.settings) as client:
        await _post_all(client, warm, headers, 1)
        one, ids, one_failures, wall_one = await _post_all(client, one_posts, headers, 1)
        many, _ids, failures, wall_many = await _post_all(client, many_posts, headers, concurrency)
    one_timing, many_timing = summarise(one, wall_one), summarise(many, wall_many)
    return {
        "http_in_process_one_at_a_time": one_timing.as_dict() | {"failures": one_failures},
        "http_in_process_in_flight": many_timing.as_dict()
        | {"concurrency": concurrency, "failures": failures},
        "floor_bare_insert": await _bare_inserts(context, ids),
        "target": f"≥ {TARGET_PER_SECOND:.0f}/s sustained, p95 ≤ {TARGET_P95_MS:.0f} ms",
        "meets_target": many_timing.per_second >= TARGET_PER_SECOND
        and many_timing.p95_ms <= TARGET_P95_MS
        and not failures,
    }
