"""The facilities' map layer: counted by type, status and colours of free beds; free beds summed.

Facilities are public places: a lone one is drawn at its exact pin at every zoom, with its
public view (name, type, capacity, phone, freshness come from its own page and API).
"""

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters.layers import Dimension, Item, MapLayer, MapQuery, at_pins, rows_at_pins
from jitasa.facilities.models import Facility, FacilityType
from jitasa.facilities.words import FREE_COLOUR_VALUES, STATUSES, WITH_FREE_BED

MEASURES = ("free_red", "free_yellow", "free_green")


async def type_codes(session: AsyncSession) -> set[str]:
    """Return the codes of the kinds of facility."""
    return set(await session.scalars(select(FacilityType.code)))


def _source() -> Select:
    """Select every facility as the map counts it, at the centre of its pin's cell."""
    return select(
        Facility.province_code,
        Facility.area_code,
        Facility.type,
        Facility.status,
        Facility.free_colours.label("free_beds"),
        *(getattr(Facility, m) for m in MEASURES),
        Facility.cell_lat.label("lat"),
        Facility.cell_lon.label("lon"),
    )


def point_view(facility: Facility) -> dict:
    """Return what a map point of a facility shows: a public place, exact pin included."""
    return {
        "id": facility.id,
        "type": facility.type,
        "status": facility.status,
        "name_th": facility.name_th,
        "name_en": facility.name_en,
        "lat": facility.lat,
        "lon": facility.lon,
        "free_beds": {m.removeprefix("free_"): getattr(facility, m) for m in MEASURES},
        "updated_at": facility.updated_at.isoformat(),
    }


_at_pins = at_pins(
    lambda: select(Facility).order_by(Facility.id), Facility.cell_lat, Facility.cell_lon
)


async def _points_at(
    session: AsyncSession, query: MapQuery, pins: list[tuple[float, float]]
) -> dict[tuple[float, float], dict]:
    """Return the matching facility counted at each of these pins (cell centres)."""
    wanted, filters = set(pins), query.filters
    names = {"type": "type", "status": "status", "free_beds": "free_colours"}
    found = {}
    async for (f,) in rows_at_pins(session, _at_pins, pins):
        pin = (f.cell_lat, f.cell_lon)
        if (
            pin in wanted
            and (f.area_code or "").startswith(query.area or "")
            and all(
                not filters.get(name) or getattr(f, column) in filters[name]
                for name, column in names.items()
            )
        ):
            found.setdefault(pin, point_view(f))
    return found


FACILITIES = MapLayer(
    name="facilities",
    dimensions=(
        Dimension("type", values=type_codes, filter="type"),
        Dimension("status", values=frozenset(STATUSES), filter="status"),
        Dimension(
            "free_beds",
            values=frozenset(FREE_COLOUR_VALUES),
            filter="free_beds",
            matches=WITH_FREE_BED,
        ),
    ),
    measures=MEASURES,
    source=_source,
    points_at=_points_at,
    exact_points=True,
    event_kinds=("facility.",),
)


def map_item(facility: Facility) -> Item:
    """Return what the map counts of a facility: type, status, free beds, its cell's pin."""
    return FACILITIES.item(
        province_code=facility.province_code,
        lat=facility.cell_lat,
        lon=facility.cell_lon,
        type=facility.type,
        status=facility.status,
        free_beds=facility.free_colours,
        **{m: getattr(facility, m) for m in MEASURES},
    )
