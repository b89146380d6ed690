"""What a change to a facility tells the rest of Jitasa: its map counts and `facility.updated`."""

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters import service as clusters
from jitasa.clusters.layers import Item
from jitasa.core import events
from jitasa.facilities.map_layer import map_item
from jitasa.facilities.models import Facility
from jitasa.facilities.words import BED_RESOURCES


def describe(facility: Facility) -> events.Draft:
    """Return what an event of the facility says: a public place, so one view for everyone."""
    view = {
        "id": facility.id,
        "type": facility.type,
        "status": facility.status,
        "lat": facility.lat,
        "lon": facility.lon,
        "free_beds": {c: getattr(facility, f"free_{c}") for c in BED_RESOURCES},
        "capacity_version": facility.capacity_version,
        "updated_at": facility.updated_at.isoformat(),
    }
    return events.Draft(
        area_code=facility.area_code,
        lat=facility.lat,
        lon=facility.lon,
        public=view,
        full=view,
        full_view_action=None,
    )


def created(session: AsyncSession, facility: Facility) -> None:
    """Count a new facility on the map and announce it."""
    clusters.count(session, map_item(facility), +1)
    events.announce(session, facility, kind="facility.updated", describe=describe)


def changed(session: AsyncSession, before: Item, facility: Facility) -> None:
    """Move a changed facility's map count (free beds, status) and announce the change."""
    clusters.move(session, before, map_item(facility))
    events.announce(session, facility, kind="facility.updated", describe=describe)
