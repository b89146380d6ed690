"""What a change to a request tells the rest of Jitasa: its map counts and its domain event."""

from collections import Counter
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.policy import Action
from jitasa.clusters import service as clusters
from jitasa.clusters.layers import Item
from jitasa.core import events
from jitasa.help_requests import actor_days as _actor_days  # noqa: F401  (keeps the day's actors)
from jitasa.help_requests import open_cells, tally, timings
from jitasa.help_requests.map_layer import REQUESTS, map_item
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestFull, HelpRequestPublic
from jitasa.help_requests.states import Status

IMPORTED = "requests.imported"


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
    """Count a new request on the map, in the tallies, timings and nearby's cells; announce it.

    It was inserted by a statement (`INSERT … RETURNING`, its code chosen in the same
    statement), not added to the session, so the flushes that count added objects do not see
    it: it is counted here.
    """
    clusters.count(session, map_item(help_request), +1)
    tally.count(session, tally.kind_of(help_request), +1)
    timings.count_row(session, timings.row_of(help_request), +1)
    if help_request.status == Status.OPEN:
        open_cells.count(session, [(help_request.public_lat, help_request.public_lon)], +1)
    announce(session, help_request, kind="request.created")


def imported(session: AsyncSession, rows: list[Mapping], *, ids: list[int]) -> None:
    """Count a batch of new requests on the map at once, and announce the batch in one event."""
    items = Counter(
        REQUESTS.item(
            province_code=row["province_code"],
            lat=row["public_lat"],
            lon=row["public_lon"],
            category=row["category"],
            urgency=row["urgency"],
            status=str(row["status"]),
        )
        for row in rows
    )
    for item, number in items.items():
        clusters.count(session, item, number)
    for kind, number in Counter(tally.kind_of(row, sla_breached_at=None) for row in rows).items():
        tally.count(session, kind, number)
    timings.imported(session, rows)
    open_cells.imported(session, rows)
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
        full_view_action=Action.MANAGE_REQUESTS,
    )


def changed(
    session: AsyncSession, before: Item, help_request: HelpRequest, *, from_status: str
) -> None:
    """Move a changed request's map count and tallies to where it stands now (it was in
    `from_status`, and only its status moved), and announce the change."""
    clusters.move(session, before, map_item(help_request))
    tally.move(
        session, tally.kind_of(help_request, status=from_status), tally.kind_of(help_request)
    )
    timings.moved(session, help_request, from_status=from_status)
    open_cells.moved(session, help_request, from_status=from_status)
    announce(session, help_request, kind="request.updated")
