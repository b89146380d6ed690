"""Facilities: create, find, list (nearest first), capacity with its history, freshness."""

import math
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import chosen as area_choice
from jitasa.areas import service as areas_service
from jitasa.core import area_scope, geo
from jitasa.core.db import utcnow
from jitasa.core.errors import NotFound, invalid_field
from jitasa.core.words import AreaLevel
from jitasa.facilities import signals
from jitasa.facilities.capacity_rules import check_report, check_resources
from jitasa.facilities.errors import StaleCapacity
from jitasa.facilities.map_layer import map_item, type_codes
from jitasa.facilities.models import Capacity, Facility, FacilityChange, FacilityType
from jitasa.facilities.schemas import CapacityIn, FacilityCreate, FacilityEdit
from jitasa.facilities.words import (
    BED_RESOURCES,
    WITH_FREE_BED,
    FacilityStatus,
    free_colours,
)

# Statuses in which a facility takes nobody in.
SHUT = frozenset({FacilityStatus.CLOSED, FacilityStatus.EVACUATING})
# What must be settled before a facility shuts, registered by the domains that send people
# there (help_requests: transports on their way); each raises a 409 when something is left.
ShutCheck = Callable[[AsyncSession, Facility], Awaitable[None]]
shut_checks: list[ShutCheck] = []


async def types(session: AsyncSession) -> list[FacilityType]:
    """Return the kinds of facility, in their order."""
    return list(await session.scalars(select(FacilityType).order_by(FacilityType.position)))


async def area_codes(
    session: AsyncSession, *, facility_in: FacilityCreate, refresh_seconds: float
) -> dict[str, str]:
    """Find the areas of the pin, or use the area given when no boundary holds it."""
    found, _loaded = await areas_service.locate_codes(
        session, lat=facility_in.lat, lon=facility_in.lon, refresh_seconds=refresh_seconds
    )
    if found:
        return found
    if not geo.in_thailand_box(facility_in.lat, facility_in.lon):
        raise invalid_field("lat", "The pin is outside Thailand; move it to the facility.")
    if not facility_in.area_code:
        return {}
    area = await area_choice.chosen_area(
        session,
        code=facility_in.area_code,
        lat=facility_in.lat,
        lon=facility_in.lon,
        pin_field="lat",
    )
    return area_choice.level_codes(area.code)


def parse_near(text: str | None) -> tuple[float, float] | None:
    """Read `near=lat,lon`; refuse anything else with a 422 naming near."""
    if text is None:
        return None
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise invalid_field("near", "{field} must be two numbers: lat,lon.") from None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise invalid_field("near", "{field} must be two finite numbers: lat,lon.")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise invalid_field("near", "{field} lies outside the world.")
    return lat, lon


async def create(
    session: AsyncSession,
    *,
    facility_in: FacilityCreate,
    capacity: Mapping[str, CapacityIn] | None = None,
    actor_id: int | None,
    via: str,
    refresh_seconds: float,
    now: datetime | None = None,
) -> Facility:
    """Record a new facility with its areas (from its pin), capacity and first history entry."""
    if facility_in.type not in await type_codes(session):
        raise invalid_field(
            "type", "{field} {code} is not a known kind of facility.", code=facility_in.type
        )
    check_resources(capacity or {})
    codes = await area_codes(session, facility_in=facility_in, refresh_seconds=refresh_seconds)
    now = now or utcnow()
    cell_lat, cell_lon = geo.round_for_privacy(facility_in.lat, facility_in.lon)
    facility = Facility(
        **facility_in.model_dump(exclude={"area_code"}),
        cell_lat=cell_lat,
        cell_lon=cell_lon,
        province_code=codes.get(AreaLevel.PROVINCE),
        area_code=codes.get(AreaLevel.SUBDISTRICT)
        or codes.get(AreaLevel.DISTRICT)
        or codes.get(AreaLevel.PROVINCE),
        capacity=[
            Capacity(resource=r, total=c.total, available=c.available, updated_at=now)
            for r, c in sorted((capacity or {}).items())
        ],
        created_at=now,
        updated_at=now,
        updated_by_id=actor_id,
    )
    keep_bed_counts(facility)
    session.add(facility)
    await session.flush()
    record_change(
        session,
        facility,
        at=now,
        actor_id=actor_id,
        via=via,
        kind="created",
        before={},
        after=amounts_of(facility),
    )
    signals.created(session, facility)
    return facility


async def get_or_raise(
    session: AsyncSession, *, facility_id: int, for_update: bool = False
) -> Facility:
    """Return a facility; `for_update` locks its row (PostgreSQL) and reads it afresh."""
    statement = select(Facility).where(Facility.id == facility_id)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    facility = await session.scalar(statement)
    if facility is None:
        raise NotFound(
            "facilities.not_found",
            "There is no facility {facility_id}.",
            {"facility_id": facility_id},
        )
    return facility


def amounts_of(facility: Facility) -> dict[str, dict[str, int]]:
    """Return a facility's capacity as `{resource: {total, available}}`."""
    return {c.resource: {"total": c.total, "available": c.available} for c in facility.capacity}


def free_beds(facility: Facility) -> dict[str, int]:
    """Return a facility's free beds by triage colour."""
    return {colour: getattr(facility, f"free_{colour}") for colour in BED_RESOURCES}


def keep_bed_counts(facility: Facility) -> None:
    """Copy the free beds and the beds in all of the capacity rows to the facility (the map
    sums and filters the free ones; the dashboard's capacity board sums both)."""
    rows = {c.resource: c for c in facility.capacity}
    free = {}
    for colour, resource in BED_RESOURCES.items():
        row = rows.get(resource)
        free[colour] = row.available if row else 0
        setattr(facility, f"free_{colour}", free[colour])
        setattr(facility, f"beds_{colour}", row.total if row else 0)
    facility.free_colours = free_colours(free)


async def set_capacity(
    session: AsyncSession,
    *,
    facility_id: int,
    update: Mapping[str, CapacityIn],
    actor_id: int | None,
    via: str,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Facility:
    """Set the named resources; the same numbers again record "checked, still right".

    An empty `update` is a 422 on `body` (nothing reported is not "checked"); an unknown
    resource or more free than the total is a 422 naming it (`capacity_rules`).

    With `expected_version` (the form's, or an If-Match), numbers changed by someone else
    since then are a 409 that shows both; never a silent overwrite. The facility's row is
    locked first, so two updates (or a later bed reservation) take turns.
    """
    check_report(update)
    facility = await get_or_raise(session, facility_id=facility_id, for_update=True)
    if expected_version is not None and expected_version != facility.capacity_version:
        raise StaleCapacity(
            current=amounts_of(facility),
            current_version=facility.capacity_version,
            submitted={r: c.model_dump() for r, c in update.items()},
        )
    now = now or utcnow()
    before_item, before = map_item(facility), amounts_of(facility)
    rows = {c.resource: c for c in facility.capacity}
    for resource, amounts in sorted(update.items()):
        row = rows.get(resource)
        if row is None:
            facility.capacity.append(
                Capacity(
                    resource=resource,
                    total=amounts.total,
                    available=amounts.available,
                    updated_at=now,
                )
            )
        elif (row.total, row.available) != (amounts.total, amounts.available):
            row.total, row.available, row.updated_at = amounts.total, amounts.available, now
    after = amounts_of(facility)
    changed = {r for r in set(before) | set(after) if before.get(r) != after.get(r)}
    if changed:
        facility.capacity_version += 1
        keep_bed_counts(facility)
    facility.updated_at, facility.updated_by_id = now, actor_id
    record_change(
        session,
        facility,
        at=now,
        actor_id=actor_id,
        via=via,
        kind="capacity" if changed else "checked",
        before={r: before.get(r) for r in sorted(changed)},
        after={r: after.get(r) for r in sorted(changed)},
    )
    await session.flush()
    signals.changed(session, before_item, facility)
    return facility


EDITABLE = ("name_th", "name_en", "status", "address", "phone", "opening_hours", "services")


async def edit(
    session: AsyncSession,
    *,
    facility_id: int,
    changes: FacilityEdit,
    actor_id: int | None,
    via: str,
    now: datetime | None = None,
) -> Facility:
    """Change a facility's details or status; the map follows a new status, history keeps both.

    Closing or evacuating it first runs `shut_checks` (409 `facility.transports_on_the_way`
    while a transport is on its way there).
    """
    facility = await get_or_raise(session, facility_id=facility_id, for_update=True)
    wanted = changes.model_dump(exclude_unset=True, mode="json")
    before_item = map_item(facility)
    before = {k: getattr(facility, k) for k in EDITABLE if k in wanted}
    changed = {k: v for k, v in wanted.items() if v is not None and before[k] != v}
    if not changed:
        return facility
    if changed.get("status") in SHUT:
        for check in shut_checks:
            await check(session, facility)
    for name, value in changed.items():
        setattr(facility, name, value)
    now = now or utcnow()
    facility.updated_at, facility.updated_by_id = now, actor_id
    record_change(
        session,
        facility,
        at=now,
        actor_id=actor_id,
        via=via,
        kind="edited",
        before={k: before[k] for k in changed},
        after=changed,
    )
    await session.flush()
    signals.changed(session, before_item, facility)
    return facility


async def history(
    session: AsyncSession, *, facility_id: int, limit: int, before_id: int | None
) -> list[FacilityChange]:
    """Return a facility's history, newest first."""
    statement = (
        select(FacilityChange)
        .where(FacilityChange.facility_id == facility_id)
        .order_by(FacilityChange.id.desc())
        .limit(limit)
    )
    if before_id:
        statement = statement.where(FacilityChange.id < before_id)
    return list(await session.scalars(statement))


async def list_facilities(
    session: AsyncSession,
    *,
    types: list[str],
    statuses: list[str],
    free_beds: list[str],
    bbox: tuple[float, float, float, float] | None,
    area: str | None,
    near: tuple[float, float] | None,
    limit: int,
    offset: int,
) -> list[tuple[Facility, float | None]]:
    """List facilities matching the filters, with their distance from `near` (nearest first)."""
    statement = select(Facility).limit(limit).offset(offset)
    if types:
        statement = statement.where(Facility.type.in_(types))
    if statuses:
        statement = statement.where(Facility.status.in_(statuses))
    for colour in free_beds:
        statement = statement.where(Facility.free_colours.in_(WITH_FREE_BED[colour]))
    if bbox:
        west, south, east, north = bbox
        statement = statement.where(
            Facility.lat.between(south, north), Facility.lon.between(west, east)
        )
    if area:
        statement = statement.where(area_scope.inside(Facility.area_code, area))
    if near is None:
        return [(f, None) for f in await session.scalars(statement.order_by(Facility.id))]
    lat, lon = near
    # Ordered in the database by a flat-earth distance (plain arithmetic on both databases),
    # which ranks like the great-circle one at the distances that matter here.
    squeeze = math.cos(math.radians(lat))
    d_lat, d_lon = Facility.lat - lat, (Facility.lon - lon) * squeeze
    statement = statement.order_by(d_lat * d_lat + d_lon * d_lon, Facility.id)
    found = [(f, geo.distance_km(lat, lon, f.lat, f.lon)) for f in await session.scalars(statement)]
    return sorted(found, key=lambda pair: pair[1])


def record_change(
    session: AsyncSession,
    facility: Facility,
    *,
    at: datetime,
    actor_id: int | None,
    via: str,
    kind: str,
    before: dict,
    after: dict,
) -> None:
    """Keep one line of a facility's history: who changed what, when, from what to what."""
    session.add(
        FacilityChange(
            facility_id=facility.id,
            at=at,
            actor_id=actor_id,
            via=via,
            kind=kind,
            before=before,
            after=after,
        )
    )


async def for_import(
    session: AsyncSession, *, source: str, external_ids: list[str], names: list[tuple[str, str]]
) -> tuple[dict[str, Facility], dict[tuple[str, str], Facility]]:
    """Find the facilities an import names: by external id of `source`, and, for rows without
    one, by (type, Thai name) among that source's facilities without an external id."""
    by_id: dict[str, Facility] = {}
    if external_ids:
        found = await session.scalars(
            select(Facility).where(
                Facility.source == source, Facility.external_id.in_(external_ids)
            )
        )
        by_id = {f.external_id: f for f in found}
    by_name: dict[tuple[str, str], Facility] = {}
    if names:
        found = await session.scalars(
            select(Facility).where(
                Facility.source == source,
                Facility.external_id.is_(None),
                Facility.name_th.in_([name for _, name in names]),
            )
        )
        by_name = {(f.type, f.name_th): f for f in found}
    return by_id, by_name
