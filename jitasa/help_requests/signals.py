"""What a change to a request tells the rest of Jitasa: its map counts and its domain event."""

from collections import Counter
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.policy import Action
from jitasa.clusters import service as clusters
from jitasa.core import events
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestFull, HelpRequestPublic

LAYER = "requests"
IMPORTED = "requests.imported"


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


def imported(session: AsyncSession, rows: list[Mapping], *, ids: list[int]) -> None:
    """Count a batch of new requests on the map at once, and announce the batch in one event."""
    items = Counter(
        clusters.Item(
            LAYER,
            row["province_code"],
            row["category"],
            row["urgency"],
            str(row["status"]),
            row["public_lat"],
            row["public_lon"],
        )
        for row in rows
    )
    for item, number in items.items():
        clusters.count(session, item, number)
    provinces = sorted({row["province_code"] for row in rows if row["province_code"]})
    summary = {"count": len(rows), "province_codes": provinces}
    events.record(
        session,
        kind=IMPORTED,
        area_code=None,
        lat=None,
        lon=None,
        public=summary,
        full={**summary, "ids": ids},
    )


def changed(session: AsyncSession, before: clusters.Item, help_request: HelpRequest) -> None:
    """Move a changed request's map count to where it stands now, and announce the change."""
    clusters.move(session, before, map_item(help_request))
    announce(session, help_request, kind="request.updated")


async def recount_map(session: AsyncSession, *, only_if_empty: bool = False) -> int | None:
    """Rebuild the map counts of every request; with `only_if_empty`, only when there are none."""
    if only_if_empty and (
        await clusters.has_cells(session, layer=LAYER)
        or not await session.scalar(select(HelpRequest.id).limit(1))
    ):
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
