"""Reading requests as the reader may see them; staff reads of personal data are audited here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.audit import service as audit_service
from jitasa.help_requests import access, service
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestFull, HelpRequestPublic
from jitasa.help_requests.states import TAKEN

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User

OWN_LIST_LIMIT = 100


def view(help_request: HelpRequest, user: User | None) -> dict:
    """Return the full view for those who may see it, otherwise the public view."""
    full = access.sees_everything(help_request, user)
    schema = HelpRequestFull if full else HelpRequestPublic
    return schema.model_validate(help_request).model_dump(mode="json")


async def read_one(
    session: AsyncSession, *, help_request: HelpRequest, reader: User | None, client_ip: str
) -> dict:
    """Return one request as the reader may see it; log staff reads of someone else's data."""
    actors = access.actors_of(help_request, reader)
    if actors and reader.id not in (help_request.requester_id, help_request.claimed_by_id):
        await audit_service.record(
            session,
            action="personal_data.read",
            actor_id=reader.id,
            subject_type="help_request",
            subject_id=help_request.id,
            area_code=help_request.area_code,
            client_ip=client_ip,
        )
    return view(help_request, reader)


async def list_page(
    session: AsyncSession,
    *,
    reader: User | None,
    client_ip: str,
    bbox: tuple[float, float, float, float] | None,
    area: str | None,
    statuses: list[str],
    categories: list[str],
    urgencies: list[str],
    limit: int,
    before_id: int | None,
) -> dict:
    """List requests newest first: public views, full ones (audited) for the area's staff."""
    # Without an area the list covers everywhere, which the policy opens to admins only.
    full = policy.allows(reader, Action.MANAGE_REQUESTS, area_code=area)
    found = await service.list_requests(
        session,
        bbox=bbox,
        area=area,
        statuses=statuses,
        categories=categories,
        urgencies=urgencies,
        limit=limit + 1,
        before_id=before_id,
        kept_only=not full,  # the public list drops archived incidents, as the map does
    )
    page = found[:limit]
    if full and page:
        await audit_service.record(
            session,
            action="personal_data.read",
            actor_id=reader.id,
            subject_type="help_requests",
            area_code=area,
            client_ip=client_ip,
            count=len(page),
        )
    schema = HelpRequestFull if full else HelpRequestPublic
    return {
        "items": [schema.model_validate(r).model_dump(mode="json") for r in page],
        "next_cursor": str(page[-1].id) if len(found) > limit else None,
    }


async def requests_of(session: AsyncSession, *, requester: User) -> list[HelpRequest]:
    """List the person's own requests, newest first."""
    return await service.list_requests(
        session,
        bbox=None,
        area=None,
        statuses=[],
        categories=[],
        urgencies=[],
        requester_id=requester.id,
        limit=OWN_LIST_LIMIT,
        before_id=None,
    )


async def tasks_of(session: AsyncSession, *, helper: User) -> list[HelpRequest]:
    """List the requests a volunteer has taken and not finished, newest first."""
    return await service.list_requests(
        session,
        bbox=None,
        area=None,
        statuses=list(TAKEN),
        categories=[],
        urgencies=[],
        claimed_by_id=helper.id,
        limit=OWN_LIST_LIMIT,
        before_id=None,
    )


async def timeline(session: AsyncSession, *, help_request: HelpRequest) -> list[RequestEvent]:
    """Return the request's timeline, oldest first."""
    statement = (
        select(RequestEvent)
        .where(RequestEvent.request_id == help_request.id)
        .order_by(RequestEvent.id)
    )
    return list((await session.scalars(statement)).all())


async def timelines(
    session: AsyncSession, *, help_requests: list[HelpRequest]
) -> dict[int, list[RequestEvent]]:
    """Return several requests' timelines by request id, oldest first, in one query."""
    found: dict[int, list[RequestEvent]] = {r.id: [] for r in help_requests}
    if found:
        statement = (
            select(RequestEvent).where(RequestEvent.request_id.in_(found)).order_by(RequestEvent.id)
        )
        for event in await session.scalars(statement):
            found[event.request_id].append(event)
    return found
