"""The help requests' map layer: requests counted by category, urgency and status."""

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters.layers import Dimension, Item, MapLayer, MapQuery
from jitasa.core.words import URGENCIES
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestPublic
from jitasa.help_requests.states import ACTIVE, Status
from jitasa.incidents import service as incidents_service


def _source() -> Select:
    """Select every request as the map counts it, at its public pin."""
    return select(
        HelpRequest.province_code,
        HelpRequest.area_code,
        HelpRequest.category,
        HelpRequest.urgency,
        HelpRequest.status,
        HelpRequest.public_lat.label("lat"),
        HelpRequest.public_lon.label("lon"),
    )


async def _points_at(
    session: AsyncSession, query: MapQuery, pins: list[tuple[float, float]]
) -> dict[tuple[float, float], dict]:
    """Return the public view of the matching requests shown at exactly these public pins."""
    # Only the pins are put to the database, as two IN lists that seek the public pin index
    # (a status filter there can tempt a planner into a scan); the rest is checked here.
    statement = select(HelpRequest).where(
        HelpRequest.public_lat.in_({lat for lat, _ in pins}),
        HelpRequest.public_lon.in_({lon for _, lon in pins}),
    )
    wanted, filters = set(pins), query.filters
    found = {}
    for r in await session.scalars(statement.order_by(HelpRequest.id)):
        pin = (r.public_lat, r.public_lon)
        if (
            pin in wanted
            and (r.area_code or "").startswith(query.area or "")
            and all(
                not filters.get(name) or getattr(r, name) in filters[name]
                for name in ("category", "urgency", "status")
            )
        ):
            found.setdefault(pin, HelpRequestPublic.model_validate(r).model_dump(mode="json"))
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
