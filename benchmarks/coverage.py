"""Scenario `coverage`: the whole country's vaccination coverage, rolled up from subdistricts.

Generates made-up figures for every subdistrict (~7,400) on three dates and makes the kept
roll-up of the 77 provinces from them (timed: what an import of the whole country pays once),
then times `GET /api/v1/vaccination/coverage` for Thailand (77 provinces), a province and a
district: warm (nothing changed since the last answer: the process's kept answer) and cold (the
first answer after one subdistrict's figures changed through `coverage.store`, which makes its
province's roll-up again; the change itself is timed apart). The floor, measured in the same
run, is reading every row with one bare SELECT through the same engine.
"""

import random
import time
from datetime import date

from sqlalchemy import delete, insert, select, text

from benchmarks import clients
from benchmarks.stats import Budget, summarise
from jitasa.areas.models import Area
from jitasa.vaccination import coverage
from jitasa.vaccination.models import Coverage

DATES = (date(2021, 9, 1), date(2021, 10, 1), date(2021, 11, 1))
AREAS = ("", "50", "5001")  # Thailand, Chiang Mai, Mueang Chiang Mai
TARGET_P95_MS = 300.0


async def generate(context, seed: int = 7) -> int:
    """Replace the coverage table with figures for every subdistrict on each date."""
    rng = random.Random(seed)
    async with context.session_factory() as session:
        codes = (await session.scalars(select(Area.code).where(Area.level == "subdistrict"))).all()
        await session.execute(delete(Coverage))
        rows = []
        for code in codes:
            population = rng.randint(1000, 20000)
            for step, day in enumerate(DATES, start=1):
                first = population * step * rng.uniform(0.2, 0.3)
                rows.append({
                    "area_code": code, "as_of": day, "population": population,
                    "dose_1": round(first), "dose_2": round(first * 0.8),
                    "dose_3": round(first * 0.1), "booster": 0, "source": "import",
                })  # fmt: skip
        for start in range(0, len(rows), 5000):
            await session.execute(insert(Coverage), rows[start : start + 5000])
        await session.commit()
    return len(rows)


async def make_rollup(context) -> float:
    """Make the kept roll-up of every province from the rows; return the seconds it took."""
    started = time.perf_counter()
    async with context.session_factory() as session:
        codes = await session.scalars(select(Area.code).where(Area.level == "subdistrict"))
        await coverage.refresh_rollup(session, coverage.provinces_of(codes))
        await session.commit()
    return time.perf_counter() - started


async def change(context, rng: random.Random, area: str) -> float:
    """Change one subdistrict's latest figures inside the area; return the seconds it took."""
    async with context.session_factory() as session:
        code = rng.choice(
            (
                await session.scalars(
                    select(Coverage.area_code).where(
                        Coverage.area_code.startswith(area), Coverage.as_of == DATES[-1]
                    )
                )
            ).all()
        )
        found = await session.get(Coverage, (code, DATES[-1]))
        figures = coverage.Figures(
            found.population, found.dose_1 + 1, found.dose_2, found.dose_3, found.booster
        )
        started = time.perf_counter()
        await coverage.store(session, [coverage.Row(code, DATES[-1], figures)])
        await session.commit()
        return time.perf_counter() - started


async def run(
    context, *, asks: int = 60, cold_asks: int = 20, budget_seconds: float = 60.0, warmup: int = 3
) -> dict:
    """Time the coverage answer of the country, a province and a district, warm and cold,
    against the floor."""
    rows = await generate(context)
    results: dict = {"rows": rows, "target_p95_ms": TARGET_P95_MS}
    results["rollup_all_provinces_s"] = round(await make_rollup(context), 3)
    rng = random.Random(11)
    async with clients.in_process(context.settings) as client:
        for area in AREAS:
            params = {"area": area} if area else {}
            for _ in range(warmup):
                (await client.get("/api/v1/vaccination/coverage", params=params)).raise_for_status()
            samples, wall, budget = [], time.perf_counter(), Budget(budget_seconds, minimum=20)
            for _ in range(asks):
                if budget.spent(len(samples)):
                    break
                started = time.perf_counter()
                response = await client.get("/api/v1/vaccination/coverage", params=params)
                samples.append(time.perf_counter() - started)
                response.raise_for_status()
            items = len(response.json()["items"])
            cold, changes, wall_cold = [], [], time.perf_counter()
            budget = Budget(budget_seconds, minimum=10)
            for _ in range(cold_asks):
                if budget.spent(len(cold)):
                    break
                changes.append(await change(context, rng, area))
                started = time.perf_counter()
                response = await client.get("/api/v1/vaccination/coverage", params=params)
                cold.append(time.perf_counter() - started)
                response.raise_for_status()
            results[area or "country"] = {
                "items": items,
                "warm": summarise(samples, time.perf_counter() - wall).as_dict(),
                "cold": summarise(cold, time.perf_counter() - wall_cold).as_dict(),
                "change": summarise(changes, sum(changes)).as_dict(),
            }
    floor, wall = [], time.perf_counter()
    for _ in range(len(samples)):
        started = time.perf_counter()
        async with context.session_factory() as session:
            (await session.execute(text("SELECT * FROM vaccination_coverage"))).all()
        floor.append(time.perf_counter() - started)
    results["floor_select_all_rows"] = summarise(floor, time.perf_counter() - wall).as_dict()
    return results
