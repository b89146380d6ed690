"""What a change to a request tells the rest of Jitasa: its map counts and its domain event."""

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters import service as clusters
from jitasa.clusters.layers import Item
from jitasa.core import events
from jitasa.help_requests.map_layer import REQUESTS, map_item
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestFull, HelpRequestPublic


def announce(session: AsyncSession, help_request: HelpRequest, *, kind: str) -> None:
    """Record `request.created` or `request.updated` with the request's public and full views."""
    events.record(
        session,
        kind=kind,
        area_code=help_request.area_code,
        lat=help_request.public_lat,
        lon=help_request.public_lon,
        public=HelpRequestPublic.model_validate(help_request).model_dump(mode="json"),
        full=HelpRequestFull.model_validate(help_request).model_dump(mode="json"),
    )


def created(session: AsyncSession, help_request: HelpRequest) -> None:
    """Count a new request on the map and announce it."""
    clusters.count(session, map_item(help_request), +1)
    announce(session, help_request, kind="request.created")


def changed(session: AsyncSession, before: Item, help_request: HelpRequest) -> None:
    """Move a changed request's map count to where it stands now, and announce the change."""
    clusters.move(session, before, map_item(help_request))
    announce(session, help_request, kind="request.updated")


async def recount_map(session: AsyncSession, *, only_if_empty: bool = False) -> int | None:
    """Rebuild the map counts of every request; with `only_if_empty`, only when there are none."""
    return await clusters.recount(session, REQUESTS, only_if_empty=only_if_empty)
