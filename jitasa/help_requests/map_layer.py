"""The help requests' map layer: requests counted by category, urgency and status."""

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters import service as clusters
from jitasa.clusters.layers import Dimension, Item, MapLayer, MapQuery, at_pins, rows_at_pins
from jitasa.core.errors import Conflict
from jitasa.core.words import URGENCIES
from jitasa.help_requests import access
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestPublic
from jitasa.help_requests.states import ACTIVE, Status
from jitasa.incidents import service as incidents_service


def _source() -> Select:
    """Select every request as the map counts it, at its public pin (archived incidents: none)."""
    return select(
        HelpRequest.province_code,
        HelpRequest.area_code,
        HelpRequest.category,
        HelpRequest.urgency,
        HelpRequest.status,
        HelpRequest.public_lat.label("lat"),
        HelpRequest.public_lon.label("lon"),
    ).where(access.in_kept_incidents())


# What a point shows (the public view) and what its filters check: never the exact pin.
_POINT_COLUMNS = (
    *(
        HelpRequest.__table__.c[name]
        for name in HelpRequestPublic.model_fields
        if name not in {"lat", "lon"}  # the exact pin: the public one is below
    ),
    HelpRequest.public_lat,
    HelpRequest.public_lon,
    HelpRequest.area_code,
)


_at_pins = at_pins(
    lambda: select(*_POINT_COLUMNS).where(access.in_kept_incidents()).order_by(HelpRequest.id),
    HelpRequest.public_lat,
    HelpRequest.public_lon,
)


async def _points_at(
    session: AsyncSession, query: MapQuery, pins: list[tuple[float, float]]
) -> dict[tuple[float, float], dict]:
    """Return the public view of the matching requests shown at exactly these public pins."""
    # Only the pins are put to the database (a status filter there can tempt a planner into a
    # scan of the status index); the rest is checked here, on the public view's columns only.
    wanted, filters = set(pins), query.filters
    found = {}
    async for r in rows_at_pins(session, _at_pins, pins):
        pin = (r.public_lat, r.public_lon)
        if (
            pin in wanted
            and pin not in found
            and (r.area_code or "").startswith(query.area or "")
            and all(
                not filters.get(name) or getattr(r, name) in filters[name]
                for name in ("category", "urgency", "status")
            )
        ):
            found[pin] = HelpRequestPublic.model_validate(r).model_dump(mode="json")
    return found


REQUESTS = MapLayer(
    name="requests",
    dimensions=(
        Dimension("category", values=incidents_service.category_codes, filter="category"),
        Dimension("urgency", values=frozenset(URGENCIES), filter="urgency"),
        Dimension(
            "status",
            values=frozenset(s.value for s in Status),
            filter="status",
            default=tuple(sorted(ACTIVE)),
        ),
    ),
    source=_source,
    points_at=_points_at,
    event_kinds=("request.", "requests."),
)


def map_item(help_request: HelpRequest, *, status: str | None = None) -> Item:
    """Return what the map counts of a request (or of it in another status): kind, pin."""
    return REQUESTS.item(
        province_code=help_request.province_code,
        lat=help_request.public_lat,
        lon=help_request.public_lon,
        category=help_request.category,
        urgency=help_request.urgency,
        status=status or str(help_request.status),
    )


STILL_ACTIVE = (
    "The incident {code} still has {count} open or taken requests: "
    "they must be resolved or closed before it is archived."
)


async def leave_map(session: AsyncSession, incident) -> None:
    """Take an archived incident's requests off the map; refuse while some are still active.

    Final requests never change again (no move leaves a final status), so their cell counts are
    taken away once, here, and the map's source leaves them out from now on.
    """
    active = await session.scalar(
        select(func.count())
        .select_from(HelpRequest)
        .where(HelpRequest.incident_id == incident.id, HelpRequest.status.in_(ACTIVE))
    )
    if active:
        raise Conflict(
            "incidents.requests_active", STILL_ACTIVE, {"code": incident.code, "count": active}
        )
    columns = (
        HelpRequest.province_code,
        HelpRequest.category,
        HelpRequest.urgency,
        HelpRequest.status,
        HelpRequest.public_lat,
        HelpRequest.public_lon,
    )
    rows = await session.execute(
        select(*columns, func.count())
        .where(HelpRequest.incident_id == incident.id)
        .group_by(*columns)
    )
    for province_code, category, urgency, status, lat, lon, number in rows:
        item = REQUESTS.item(
            province_code=province_code,
            lat=lat,
            lon=lon,
            category=category,
            urgency=urgency,
            status=str(status),
        )
        clusters.count(session, item, -number)


incidents_service.ARCHIVE_HOOKS.append(leave_map)
