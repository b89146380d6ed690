"""How a facility is shown: its public view with type names and freshness ("updated 3 h ago")."""

from datetime import datetime

from jitasa.core.i18n import translate
from jitasa.facilities import service
from jitasa.facilities.models import Facility, FacilityType
from jitasa.facilities.words import RESOURCES

JUST_NOW_MINUTES = 2
ORDER = {resource: index for index, resource in enumerate(RESOURCES)}  # red beds first…


def age_text(minutes: int, language: str) -> str:
    """Say how long ago: "updated just now", "updated 5 min ago", "updated 3 h ago"…"""
    if minutes < JUST_NOW_MINUTES:
        return translate("updated just now", language)
    if minutes < 60:
        return translate("updated {minutes} min ago", language, minutes=minutes)
    if minutes < 48 * 60:
        return translate("updated {hours} h ago", language, hours=minutes // 60)
    return translate("updated {days} days ago", language, days=minutes // 1440)


def freshness(updated_at: datetime, *, now: datetime, stale_hours: float) -> dict:
    """Return how fresh a facility's numbers are, and whether they are stale."""
    minutes = max(0, int((now - updated_at).total_seconds() // 60))
    return {
        "updated_at": updated_at,
        "age_minutes": minutes,
        "stale": minutes >= stale_hours * 60,
        "text": age_text(minutes, "en"),
        "text_th": age_text(minutes, "th"),
    }


def view(
    facility: Facility,
    types: dict[str, FacilityType],
    *,
    now: datetime,
    stale_hours: float,
    distance_km: float | None = None,
) -> dict:
    """Return a facility's public view: everything about a public place, with freshness."""
    kind = types[facility.type]
    return {
        "id": facility.id,
        "type": facility.type,
        "type_name_th": kind.name_th,
        "type_name_en": kind.name_en,
        "icon": kind.icon,
        "name_th": facility.name_th,
        "name_en": facility.name_en,
        "status": facility.status,
        "lat": facility.lat,
        "lon": facility.lon,
        "province_code": facility.province_code,
        "area_code": facility.area_code,
        "address": facility.address,
        "phone": facility.phone,
        "opening_hours": facility.opening_hours,
        "services": list(facility.services or []),
        "source": facility.source,
        "external_id": facility.external_id,
        "capacity": [
            {"resource": c.resource, "total": c.total, "available": c.available}
            for c in sorted(facility.capacity, key=lambda c: ORDER.get(c.resource, len(ORDER)))
        ],
        "free_beds": service.free_beds(facility),
        "capacity_version": facility.capacity_version,
        "freshness": freshness(facility.updated_at, now=now, stale_hours=stale_hours),
        "distance_km": None if distance_km is None else round(distance_km, 2),
    }


async def types_by_code(session) -> dict[str, FacilityType]:
    """Return the kinds of facility by code."""
    return {t.code: t for t in await service.types(session)}
