"""The dashboard's capacity board: free beds of an area's facilities by triage colour.

Counted from the facilities' capacity rows as they are, for the facilities that take patients
(open or full) inside the area: beds in all, free, and held for a transport on its way
(`reserved`); how many facilities there are and how many have numbers older than the stale
limit (nobody changed or checked them since), with those listed oldest first, and their free
beds counted apart, since they may no longer be true.
"""

from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core import area_scope
from jitasa.facilities.beds import TAKING_PATIENTS
from jitasa.facilities.models import Capacity, Facility
from jitasa.facilities.words import BED_RESOURCES
from jitasa.help_requests.models import BED_RESERVED, HelpRequest

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
    beds = {c: {"total": 0, "free": 0, "free_stale": 0, "reserved": 0} for c in BED_RESOURCES}
    colour_of = {resource: colour for colour, resource in BED_RESOURCES.items()}
    stale_free = func.sum(case((is_stale, Capacity.available), else_=0))
    summed = (
        select(
            Capacity.resource,
            func.sum(Capacity.total),
            func.sum(Capacity.available),
            stale_free,
        )
        .join(Facility, Facility.id == Capacity.facility_id)
        .where(*taking, Capacity.resource.in_(BED_RESOURCES.values()))
        .group_by(Capacity.resource)
    )
    for resource, total, free, free_stale in await session.execute(summed):
        beds[colour_of[resource]] |= {
            "total": total or 0,
            "free": free or 0,
            "free_stale": free_stale or 0,
        }
    held = await session.execute(
        select(HelpRequest.triage_colour, func.count())
        .join(Facility, Facility.id == HelpRequest.destination_id)
        .where(*taking, HelpRequest.bed_state == BED_RESERVED)
        .group_by(HelpRequest.triage_colour)
    )
    for colour, count in held:
        if colour in beds:
            beds[colour]["reserved"] = count
    every, stale = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(case((is_stale, 1), else_=0)), 0))
            .select_from(Facility)
            .where(*taking)
        )
    ).one()
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
