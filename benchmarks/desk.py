"""Scenario `desk`: the coordinator's desk, the dashboard and the report, of a province and of
the whole country.

A coordinator of Chiang Mai (province `50`) and an admin (the whole country) each ask, in-process
with an API token: the desk page (`/desk`), the staff list API (`GET /api/v1/requests?area=`,
the desk's list for programs), the stats API (`GET /api/v1/stats?area=`), the dashboard page
and the daily report page. Every answer must be a 200. Two floors in the same run: `/healthz`
through the same app and client (the HTTP and middleware cost of any answer), and a bare
`SELECT count(*)` of the area's requests on the same engine (what counting the area once costs).
Target: p95 ≤ 300 ms for each of them (issue 12).
"""

import time

from sqlalchemy import func, select

from benchmarks import clients
from benchmarks.stats import Budget, summarise
from jitasa.core.words import Role
from jitasa.help_requests.models import HelpRequest

CHIANG_MAI = "50"
TARGET_P95_MS = 300.0


def paths(area: str | None) -> dict[str, str]:
    """Return what a person at the desk asks for, by name, for an area (None: the country)."""
    query = f"?area={area}" if area else ""
    return {
        "desk_page": f"/desk{query}",
        "desk_list_api": f"/api/v1/requests{query}",
        "stats_api": f"/api/v1/stats{query}",
        "dashboard_page": f"/dashboard{query}",
        "report_page": f"/dashboard/report{query}",
    }


async def timed(client, path: str, headers: dict, *, asks: int, budget_seconds: float) -> dict:
    """Ask for one path repeatedly (after one warm-up call) and summarise the latencies."""
    (await client.get(path, headers=headers)).raise_for_status()
    samples, budget, wall = [], Budget(budget_seconds, minimum=5), time.perf_counter()
    while len(samples) < asks and not budget.spent(len(samples)):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        samples.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:300]}")
    return summarise(samples, time.perf_counter() - wall).as_dict()


async def count_floor(context, area: str | None, *, asks: int) -> dict:
    """Time a bare count of the area's requests on the benchmark's own engine."""
    statement = select(func.count()).select_from(HelpRequest)
    if area:
        statement = statement.where(HelpRequest.area_code.startswith(area))
    samples, wall = [], time.perf_counter()
    async with context.session_factory() as session:
        await session.scalar(statement)
        for _ in range(asks):
            started = time.perf_counter()
            await session.scalar(statement)
            samples.append(time.perf_counter() - started)
    return summarise(samples, time.perf_counter() - wall).as_dict()


async def run(context, *, asks: int = 20, budget_seconds: float = 30.0) -> dict:
    """Time the desk, dashboard and report of Chiang Mai and of the country, with the floors."""
    async with context.session_factory() as session:
        if not await session.scalar(select(func.count()).select_from(HelpRequest)):
            return {"skipped": "no help requests: run with --rows N"}
    coordinator = (
        await clients.signed_in(context, 1, role=Role.COORDINATOR, area_code=CHIANG_MAI)
    )[0]
    admin = (await clients.signed_in(context, 1, role=Role.ADMIN))[0]
    result: dict = {}
    async with clients.in_process(context.settings) as client:
        result["floor_healthz"] = await timed(
            client, "/healthz", {}, asks=asks * 5, budget_seconds=budget_seconds
        )
        for name, area, headers in (
            ("chiang_mai", CHIANG_MAI, coordinator),
            ("country", None, admin),
        ):
            figures = {"floor_count": await count_floor(context, area, asks=asks)}
            for what, path in paths(area).items():
                figures[what] = await timed(
                    client, path, headers, asks=asks, budget_seconds=budget_seconds
                )
            result[name] = figures
    slowest = max(
        figures["p95_ms"]
        for name in ("chiang_mai", "country")
        for what, figures in result[name].items()
        if not what.startswith("floor")
    )
    return result | {
        "slowest_p95_ms": slowest,
        "target_p95_ms": TARGET_P95_MS,
        "meets_target": slowest <= TARGET_P95_MS,
    }
