"""Beds for transported patients: destinations ranked, one bed reserved atomically, freed again.

A reservation takes one free bed of the patient's triage colour with a single conditional
UPDATE (`available > 0`): of any number of drivers racing for the last bed exactly one gets
it, and the count never goes below zero (the table's CHECK refuses it too). Delivery keeps the
bed taken (reserved becomes occupied, the free count does not move); anything that stops a
transport short of delivery gives it back.
"""

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core import geo
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict
from jitasa.core.i18n import thai
from jitasa.facilities import service, signals
from jitasa.facilities.map_layer import map_item
from jitasa.facilities.models import Capacity, Facility
from jitasa.facilities.words import BED_RESOURCES, FacilityStatus

# Facilities that may still take a patient (a "full" one may have had a bed freed since).
TAKING_PATIENTS = (FacilityStatus.OPEN, FacilityStatus.FULL)
# Where the deceased are taken: no beds, the nearest open temple that cremates.
CREMATION_TYPE = "cremation_temple"


@dataclass(frozen=True)
class Destination:
    """A facility a transport may go to: its free and total beds of the colour, its distance."""

    facility: Facility
    free: int | None  # None: no beds are counted (a temple for the deceased)
    total: int | None
    distance_km: float


def _names(facility: Facility, colour: str | None) -> dict[str, object]:
    """Return the parameters an error names the facility and colour with, in both languages."""
    return {
        "name": facility.name_en or facility.name_th,
        "name_th": facility.name_th,
        "colour": colour or "-",
        "colour_th": thai(colour.title()) if colour else "-",  # "Yellow" → สีเหลือง
    }


async def destinations(
    session: AsyncSession, *, colour: str | None, lat: float, lon: float, limit: int
) -> list[Destination]:
    """Rank the facilities a transport from (lat, lon) may go to.

    With a colour: facilities taking patients that keep beds of that colour, those with a
    free one first, then nearest first, then more free beds. Without one (the deceased): open
    cremation temples, nearest first. Distances are great-circle kilometres.
    """
    squeeze = math.cos(math.radians(lat))
    d_lat, d_lon = Facility.lat - lat, (Facility.lon - lon) * squeeze
    flat = d_lat * d_lat + d_lon * d_lon
    if colour is None:
        statement = (
            select(Facility, None, None)
            .where(Facility.type == CREMATION_TYPE, Facility.status == FacilityStatus.OPEN)
            .order_by(flat, Facility.id)
        )
    else:
        statement = (
            select(Facility, Capacity.available, Capacity.total)
            .join(
                Capacity,
                and_(
                    Capacity.facility_id == Facility.id,
                    Capacity.resource == BED_RESOURCES[colour],
                    Capacity.total > 0,
                ),
            )
            .where(Facility.status.in_(TAKING_PATIENTS))
            .order_by(case((Capacity.available > 0, 0), else_=1), flat, Facility.id)
        )
    rows = await session.execute(statement.limit(limit))
    found = [
        Destination(f, free, total, round(geo.distance_km(lat, lon, f.lat, f.lon), 1))
        for f, free, total in rows
    ]
    return sorted(found, key=lambda d: (not d.free, d.distance_km, -(d.free or 0)))


async def _changed_beds(
    session: AsyncSession,
    facility: Facility,
    *,
    before_item,
    before: dict,
    kind: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Keep the facility's free beds, version, history and map count in step with its rows."""
    for row in facility.capacity:
        await session.refresh(row)
    after = service.amounts_of(facility)
    changed = sorted(r for r in after if before.get(r) != after[r])
    facility.capacity_version += 1  # a capacity form loaded before this is now stale
    service.keep_bed_counts(facility)
    service.record_change(
        session,
        facility,
        at=now,
        actor_id=actor_id,
        via="transport",
        kind=kind,
        before={r: before.get(r) for r in changed},
        after={r: after[r] for r in changed},
    )
    await session.flush()
    signals.changed(session, before_item, facility)


async def reserve(
    session: AsyncSession,
    *,
    facility_id: int,
    colour: str | None,
    actor_id: int | None,
) -> Facility:
    """Hold one free bed of `colour` at the facility for a transport (none for the deceased).

    Raises 404 `facilities.not_found`; 409 `facility.not_open` (closed or evacuating),
    `facility.colour_not_accepted` (no beds of the colour), `facility.no_free_bed` (all taken).
    """
    facility = await service.get_or_raise(session, facility_id=facility_id, for_update=True)
    if colour is None:
        if facility.type != CREMATION_TYPE or facility.status != FacilityStatus.OPEN:
            raise Conflict(
                "facility.not_for_the_deceased",
                "{name} does not receive the deceased; choose an open temple that cremates.",
                _names(facility, colour),
            )
        return facility
    if facility.status not in TAKING_PATIENTS:
        raise Conflict(
            "facility.not_open",
            "{name} is not taking patients now; choose another destination.",
            _names(facility, colour),
        )
    resource = BED_RESOURCES[colour]
    row = next((c for c in facility.capacity if c.resource == resource), None)
    if row is None or row.total == 0:
        raise Conflict(
            "facility.colour_not_accepted",
            "{name} has no beds for {colour} patients; choose a facility that takes them.",
            _names(facility, colour),
        )
    before_item, before, now = map_item(facility), service.amounts_of(facility), utcnow()
    taken = await session.execute(
        update(Capacity)
        .where(
            Capacity.facility_id == facility.id,
            Capacity.resource == resource,
            Capacity.available > 0,
        )
        .values(available=Capacity.available - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise Conflict(
            "facility.no_free_bed",
            "{name} has no free {colour} bed now; choose another destination.",
            _names(facility, colour),
        )
    await _changed_beds(
        session,
        facility,
        before_item=before_item,
        before=before,
        kind="reserved",
        actor_id=actor_id,
        now=now,
    )
    return facility


async def free(
    session: AsyncSession,
    *,
    facility_id: int,
    colour: str,
    actor_id: int | None,
) -> None:
    """Give back a bed a transport held; never above the total (staff may have lowered it)."""
    facility = await service.get_or_raise(session, facility_id=facility_id, for_update=True)
    before_item, before, now = map_item(facility), service.amounts_of(facility), utcnow()
    given = await session.execute(
        update(Capacity)
        .where(
            Capacity.facility_id == facility.id,
            Capacity.resource == BED_RESOURCES[colour],
            Capacity.available < Capacity.total,
        )
        .values(available=Capacity.available + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if given.rowcount != 1:
        return
    await _changed_beds(
        session,
        facility,
        before_item=before_item,
        before=before,
        kind="freed",
        actor_id=actor_id,
        now=now,
    )


async def names(session: AsyncSession, *, facility_ids: set[int]) -> dict[int, Facility]:
    """Return the facilities with these ids (for the pages naming a transport's destination)."""
    if not facility_ids:
        return {}
    found = await session.scalars(select(Facility).where(Facility.id.in_(facility_ids)))
    return {f.id: f for f in found}
