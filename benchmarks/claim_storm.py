"""Scenario `claim_storm`: 200 volunteers claim the same open request at the same moment."""

import asyncio
import time
from collections import Counter

import httpx
from sqlalchemy import func, select

from benchmarks import clients, servers
from jitasa.core.words import Role
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import Status
from jitasa.incidents import service as incidents_service

VOLUNTEERS = 200
NEAR_DEGREES = 0.025  # a box of about ±2.7 km around the volunteers' home: within 5 km


async def _open_requests(context, count: int) -> list[int]:
    """Return the ids of `count` random open requests every benchmark volunteer may claim.

    The volunteers live at `clients.BANGKOK_HOME` and may claim only within their service
    radius (5 km), and only requests that are neither medical nor transport unless qualified:
    a random request of the country answered all 200 claims with 403 (out of reach).
    """
    lat, lon, _area = clients.BANGKOK_HOME
    async with context.session_factory() as session:
        return list(
            await session.scalars(
                select(HelpRequest.id)
                .where(
                    HelpRequest.status == Status.OPEN,
                    HelpRequest.medical.is_(False),
                    HelpRequest.category.in_(incidents_service.ordinary_category_codes()),
                    HelpRequest.lat.between(lat - NEAR_DEGREES, lat + NEAR_DEGREES),
                    HelpRequest.lon.between(lon - NEAR_DEGREES, lon + NEAR_DEGREES),
                )
                .order_by(func.random())
                .limit(count)
            )
        )


async def _storm(bases: list[str], request_id: int, headers: list[dict]) -> Counter:
    """Send every volunteer's claim at once (one per header), each on a new connection; count
    the answers."""
    limits = httpx.Limits(max_connections=len(headers), max_keepalive_connections=len(headers))
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def claim(number: int) -> int | str:
            base = bases[number % len(bases)]
            try:
                response = await client.post(
                    f"{base}/api/v1/requests/{request_id}/claim", headers=headers[number]
                )
            except httpx.TransportError as error:
                return type(error).__name__
            return response.status_code

        return Counter(await asyncio.gather(*(claim(n) for n in range(len(headers)))))


async def run(
    context, *, rounds: int = 5, processes: int = 2, volunteers: int = VOLUNTEERS
) -> dict:
    """Fire `volunteers` simultaneous claims at real servers, `rounds` times; count winners and
    409s."""
    targets = await _open_requests(context, rounds)
    if len(targets) < rounds:
        return {"skipped": "not enough open requests: run with --rows N"}
    headers = await clients.signed_in(context, volunteers, role=Role.VOLUNTEER)
    results = []
    async with servers.serving(context.settings, processes) as running:
        bases = [base for base, _pid in running]
        for request_id in targets:
            started = time.perf_counter()
            answers = await _storm(bases, request_id, headers)
            results.append(
                {
                    "request_id": request_id,
                    "successes": answers.pop(200, 0),
                    "conflicts_409": answers.pop(409, 0),
                    "other": {str(k): v for k, v in answers.items()},
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
    return {
        "clients": volunteers,
        "processes": processes,
        "rounds": results,
        "target": f"exactly 1 success and {volunteers - 1} × 409, every time",
        "meets_target": all(
            r["successes"] == 1 and r["conflicts_409"] == volunteers - 1 for r in results
        ),
    }
