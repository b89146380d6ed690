"""What a change to a request tells the rest of Jitasa: its map counts and its domain event."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.policy import Action
from jitasa.clusters import service as clusters
from jitasa.clusters.models import MapCell
from jitasa.core import events
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestFull, HelpRequestPublic

LAYER = "requests"


def map_item(help_request: HelpRequest) -> clusters.Item:
    """Return what the map counts of a request: its kind, status and public pin."""
    return clusters.Item(
        LAYER,
        help_request.province_code,
        help_request.category,
        help_request.urgency,
        str(help_request.status),
        help_request.public_lat,
        help_request.public_lon,
    )


def describe(help_request: HelpRequest) -> events.Draft:
    """Return what an event of the request says: its public view, and the full one for staff."""
    return events.Draft(
        area_code=help_request.area_code,
        lat=help_request.public_lat,
        lon=help_request.public_lon,
        public=HelpRequestPublic.model_validate(help_request).model_dump(mode="json"),
        full=HelpRequestFull.model_validate(help_request).model_dump(mode="json"),
        full_view_action=Action.MANAGE_REQUESTS,
    )


def announce(session: AsyncSession, help_request: HelpRequest, *, kind: str) -> None:
    """Record `request.created` or `request.updated`, built from the request as it commits."""
    events.announce(session, help_request, kind=kind, describe=describe)


def created(session: AsyncSession, help_request: HelpRequest) -> None:
    """Count a new request on the map and announce it."""
    clusters.count(session, map_item(help_request), +1)
    announce(session, help_request, kind="request.created")


def changed(session: AsyncSession, before: clusters.Item, help_request: HelpRequest) -> None:
    """Move a changed request's map count to where it stands now, and announce the change."""
    clusters.move(session, before, map_item(help_request))
    announce(session, help_request, kind="request.updated")


async def recount_map(session: AsyncSession, *, only_if_empty: bool = False) -> int | None:
    """Rebuild the map counts of every request; with `only_if_empty`, only when there are none."""
    if only_if_empty:
        has_cells = await session.scalar(
            select(MapCell.layer).where(MapCell.layer == LAYER).limit(1)
        )
        if has_cells or not await session.scalar(select(HelpRequest.id).limit(1)):
            return None
    items = select(
        HelpRequest.province_code,
        HelpRequest.category,
        HelpRequest.urgency,
        HelpRequest.status,
        HelpRequest.public_lat.label("lat"),
        HelpRequest.public_lon.label("lon"),
    )
    return await clusters.replace_layer(session, layer=LAYER, items=items)
