"""Assigning a request from a list of the volunteers who could take it, never by number."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts import service as accounts_service
from jitasa.accounts.policy import Action
from jitasa.audit import service as audit_service
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict
from jitasa.help_requests import lifecycle
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import TAKEN, Status
from jitasa.incidents import service as incidents_service
from jitasa.volunteers import service as volunteers_service

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User
    from jitasa.volunteers.models import Volunteer


async def assign(
    session: AsyncSession,
    *,
    help_request: HelpRequest,
    staff: User,
    volunteer_id: int,
    note: str = "",
    reassign: bool = False,
) -> HelpRequest:
    """Give a request to a verified, available volunteer on a coordinator's decision.

    Taking it from the volunteer who holds it needs `reassign` (the coordinator confirmed).
    """
    policy.require(staff, Action.ASSIGN_REQUEST, area_code=help_request.area_code)
    volunteer = await volunteers_service.get_or_raise(session, volunteer_id=volunteer_id)
    helper = await accounts_service.get_or_raise(session, user_id=volunteer.user_id)
    policy.require_assignable(
        name=accounts_service.name_of(helper),
        verified=volunteer.is_verified,
        available=volunteer.available_now,
    )
    policy.require_transport_assignable(
        name=accounts_service.name_of(helper),
        transport=await incidents_service.transport_kind(
            session, incident_id=help_request.incident_id, category_code=help_request.category
        ),
        vehicle=volunteers_service.has_vehicle(volunteer),
        ppe_trained=volunteers_service.ppe_trained(volunteer),
    )
    await lifecycle.check_helper(session, help_request=help_request, user=helper)
    current = Status(help_request.status)
    if current not in (Status.OPEN, Status.CLAIMED, Status.IN_PROGRESS):
        raise Conflict(
            "request.not_active",
            "This request is {status}; it cannot be assigned.",
            {"status": current.value},
        )
    previous = help_request.claimed_by_id
    if previous == helper.id:
        raise Conflict(
            "assign.already_theirs",
            "{name} already holds this request.",
            {"name": accounts_service.name_of(helper)},
        )
    holder = None
    if previous is not None:
        holder = (await accounts_service.display_names(session, user_ids={previous}))[previous]
    policy.require_reassign_confirmed(
        holder=holder,
        confirmed=reassign,
        status=help_request.status,
        claimed_by_id=previous,
        claimed_at=help_request.claimed_at,
    )
    status = Status.CLAIMED if current == Status.OPEN else current
    await lifecycle.move_from(
        session,
        help_request,
        from_status=current,
        values={"status": status, "claimed_by_id": helper.id, "claimed_at": utcnow()},
    )
    lifecycle.record_step(
        session,
        help_request,
        actor=staff,
        kind="assigned",
        from_status=current,
        to_status=status,
        note=note,
        details={"to_user_id": helper.id, "from_user_id": previous},
    )
    if previous is not None:  # the volunteer who lost the task can ask who took it, and why
        await audit_service.record(
            session,
            action="request.reassigned",
            actor_id=staff.id,
            subject_type="user",
            subject_id=previous,
            area_code=help_request.area_code,
            request_id=help_request.id,
        )
    await session.flush()
    return help_request


@dataclass(frozen=True)
class Candidate:
    """A volunteer who could be given a request, as the assign list shows them."""

    volunteer: Volunteer
    name: str
    distance_km: float
    tasks_held: int


async def candidates(
    session: AsyncSession, *, help_request: HelpRequest, staff: User, client_ip: str, limit: int
) -> list[Candidate]:
    """List the verified, available volunteers who could take the request, nearest first.

    Its requester and its current volunteer are left out; staff's sight of names is audited.
    """
    policy.require(staff, Action.ASSIGN_REQUEST, area_code=help_request.area_code)
    found = await volunteers_service.assignable_near(
        session,
        lat=help_request.lat,
        lon=help_request.lon,
        limit=limit,
        leave_out_user_ids={
            uid for uid in (help_request.requester_id, help_request.claimed_by_id) if uid
        },
    )
    user_ids = {volunteer.user_id for volunteer, _distance in found}
    held = await holding(session, user_ids=user_ids)
    names = await accounts_service.display_names(session, user_ids=user_ids)
    if found:
        await volunteers_service.record_personal_data_read(
            session,
            reader=staff,
            area_code=help_request.area_code,
            count=len(found),
            client_ip=client_ip,
        )
    return [
        Candidate(v, names.get(v.user_id, ""), round(d, 1), held.get(v.user_id, 0))
        for v, d in found
    ]


async def holding(session: AsyncSession, *, user_ids: set[int]) -> dict[int, int]:
    """Return how many requests each of these people holds now (claimed or in progress)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(HelpRequest.claimed_by_id, func.count())
        .where(HelpRequest.claimed_by_id.in_(user_ids), HelpRequest.status.in_(TAKEN))
        .group_by(HelpRequest.claimed_by_id)
    )
    return {uid: count for uid, count in rows}
