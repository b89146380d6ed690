"""HTTP API of the coordinator's desk on requests: assigning from a list of candidates,
merging duplicates, closing several at once (area staff)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from jitasa.accounts.deps import client_ip, user_allowed_to
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.help_requests import assigning, desk, lifecycle, service
from jitasa.help_requests.deps import ValidRequest
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import (
    AssignCandidate,
    AssignIn,
    BulkCloseIn,
    BulkCloseResult,
    HelpRequestFull,
    MergeIn,
)

router = APIRouter(prefix="/api/v1/requests", tags=["help requests"])
Requester = user_allowed_to(Action.REQUEST_HELP)


@router.post("/bulk-close", response_model=BulkCloseResult)
async def bulk_close(
    close_in: BulkCloseIn, user: Requester, session: WriteSessionDep
) -> BulkCloseResult:
    """Close several requests at once, as duplicates of one kept request or for a reason (staff).

    Those a volunteer holds are closed only with `close_taken`; see `desk.close_many`."""
    closed, refused, taken = await desk.close_many(
        session,
        staff=user,
        request_ids=close_in.request_ids,
        reason=close_in.reason,
        keep_id=close_in.keep_id,
        note=close_in.note,
        close_taken=close_in.close_taken,
    )
    return BulkCloseResult(closed=closed, refused=refused, taken=taken)


@router.post("/{request_id}/assign", response_model=HelpRequestFull)
async def assign(
    help_request: ValidRequest, assign_in: AssignIn, user: Requester, session: WriteSessionDep
) -> HelpRequest:
    """Give the request to a verified, available volunteer (area staff); 409 says why not."""
    return await assigning.assign(
        session,
        help_request=help_request,
        staff=user,
        volunteer_id=assign_in.volunteer_id,
        note=assign_in.note,
        reassign=assign_in.reassign,
    )


@router.get("/{request_id}/candidates", response_model=list[AssignCandidate])
async def candidates(
    help_request: ValidRequest,
    user: Requester,
    request: Request,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[AssignCandidate]:
    """List the volunteers who could take the request, nearest first (area staff)."""
    found = await assigning.candidates(
        session, help_request=help_request, staff=user, client_ip=client_ip(request), limit=limit
    )
    return [
        AssignCandidate(
            volunteer_id=c.volunteer.id,
            name=c.name,
            kind=c.volunteer.kind,
            vehicle=c.volunteer.vehicle,
            skills=c.volunteer.skills,
            distance_km=c.distance_km,
            tasks_held=c.tasks_held,
        )
        for c in found
    ]


@router.post("/{request_id}/merge", response_model=HelpRequestFull)
async def merge(
    help_request: ValidRequest, merge_in: MergeIn, user: Requester, session: WriteSessionDep
) -> HelpRequest:
    """Close this request as a duplicate of another (area staff)."""
    keep = await service.get_or_raise(session, request_id=merge_in.keep_id)
    return await lifecycle.merge(
        session, duplicate=help_request, keep=keep, staff=user, note=merge_in.note
    )
