"""The dashboard's capacity board: free beds of an area's facilities by triage colour.

Counted for the facilities that take patients (open or full) inside the area, from the beds
each facility keeps with its capacity rows (`free_<colour>`, `beds_<colour>`: one row a
facility, no join): beds in all, free, and held for a transport on its way (`reserved`); how
many facilities there are and how many have numbers older than the stale limit (nobody changed
or checked them since), with those listed oldest first, and their free beds counted apart,
since they may no longer be true.
"""

from datetime import datetime, timedelta

from sqlalchemy import case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core import area_scope
from jitasa.facilities.beds import TAKING_PATIENTS
from jitasa.facilities.models import Facility
from jitasa.facilities.words import BED_RESOURCES
from jitasa.help_requests.models import RESERVED_ROWS, HelpRequest

STALE_LISTED = 20


def _in_area(area: str | None):
    """Select the facilities of an area (None: the whole country)."""
    return area_scope.inside(Facility.area_code, area) if area else True


async def board(
    session: AsyncSession, *, area: str | None, now: datetime, stale_hours: float
) -> dict:
    """Return the capacity board of the area (see the module's docstring)."""
    stale_before = now - timedelta(hours=stale_hours)
    taking = (_in_area(area), Facility.status.in_(TAKING_PATIENTS))
    is_stale = Facility.updated_at < stale_before
    colours = list(BED_RESOURCES)
    sums = []
    for colour in colours:
        free = getattr(Facility, f"free_{colour}")
        sums += [
            func.sum(getattr(Facility, f"beds_{colour}")),
            func.sum(free),
            func.sum(case((is_stale, free), else_=0)),
        ]
    every, stale, *summed = (
        await session.execute(
            select(func.count(), func.sum(case((is_stale, 1), else_=0)), *sums)
            .select_from(Facility)
            .where(*taking)
        )
    ).one()
    beds = {
        colour: {
            "total": summed[3 * k] or 0,
            "free": summed[3 * k + 1] or 0,
            "free_stale": summed[3 * k + 2] or 0,
            "reserved": 0,
        }
        for k, colour in enumerate(colours)
    }
    held = await session.execute(
        select(HelpRequest.triage_colour, func.count())
        .join(Facility, Facility.id == HelpRequest.destination_id)
        .where(*taking, text(RESERVED_ROWS))  # as the partial index says, so it applies
        .group_by(HelpRequest.triage_colour)
    )
    for colour, count in held:
        if colour in beds:
            beds[colour]["reserved"] = count
    oldest = await session.scalars(
        select(Facility)
        .where(*taking, is_stale)
        .order_by(Facility.updated_at, Facility.id)
        .limit(STALE_LISTED)
    )
    return {
        "facilities": every or 0,
        "stale_facilities": stale or 0,
        "stale_hours": stale_hours,
        "beds": beds,
        "stale": [
            {"id": f.id, "name_th": f.name_th, "name_en": f.name_en, "updated_at": f.updated_at}
            for f in oldest
        ],
    }
