"""Moving a help request along its state machine: claim, assign, transitions, merge, timeline."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action, ClaimLimits
from jitasa.audit import service as audit_service
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict, DomainError, Forbidden, invalid_field
from jitasa.core.geo import distance_km
from jitasa.facilities import beds
from jitasa.help_requests import signals
from jitasa.help_requests.access import actors_of
from jitasa.help_requests.map_layer import map_item
from jitasa.help_requests.models import BED_OCCUPIED, BED_RESERVED, HelpRequest, RequestEvent
from jitasa.help_requests.states import (
    ACTIVE,
    TAKEN,
    Actor,
    CloseReason,
    Status,
    can_move,
    is_move,
)
from jitasa.incidents import service as incidents_service
from jitasa.volunteers import service as volunteers_service

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User
    from jitasa.volunteers.models import Volunteer


OWN_REQUEST = (
    "This is your own request: someone else must take it. You can still cancel it yourself."
)


async def claimable_categories(session: AsyncSession, *, user: User) -> Select | None:
    """Return the read of the category codes this volunteer may claim (a subquery, for the
    statement that lists requests), or None for all of them."""
    volunteer = await volunteers_service.get_for_user(session, user=user)
    verified = volunteer is not None and volunteers_service.may_help_medical(volunteer)
    if not policy.allows_claim(user, verified_volunteer=verified, sensitive=True):
        return incidents_service.ordinary_category_codes()
    vehicle = volunteers_service.has_vehicle(volunteer)
    ppe = volunteers_service.ppe_trained(volunteer)
    if policy.allows_transport(user, transport="body", vehicle=vehicle, ppe_trained=ppe):
        return None
    patients = policy.allows_transport(user, transport="patient", vehicle=vehicle, ppe_trained=ppe)
    return incidents_service.codes_but_transports(body=patients)


async def check_helper(
    session: AsyncSession, *, help_request: HelpRequest, user: User
) -> Volunteer | None:
    """Refuse a helper who may not take this request (their own, or policy's); return profile."""
    if help_request.requester_id == user.id:
        raise Forbidden("request.own_request", OWN_REQUEST)
    volunteer = await volunteers_service.get_for_user(session, user=user)
    transport = await incidents_service.transport_kind(
        session, incident_id=help_request.incident_id, category_code=help_request.category
    )
    policy.require_claim(
        user,
        verified_volunteer=volunteer is not None and volunteers_service.may_help_medical(volunteer),
        sensitive=help_request.medical or transport is not None,
    )
    policy.require_transport_helper(
        user,
        transport=transport,
        vehicle=volunteers_service.has_vehicle(volunteer),
        ppe_trained=volunteers_service.ppe_trained(volunteer),
    )
    return volunteer


async def _check_claimer(
    session: AsyncSession,
    *,
    help_request: HelpRequest,
    user: User,
    volunteer: Volunteer | None,
    limits: ClaimLimits,
) -> None:
    """Refuse a claim out of the helper's reach, or past the requests they may hold at once."""
    from_home = None
    if volunteer is not None:
        # To the public pin, never the exact one: the yes/no and the distance a refusal names
        # would otherwise let a volunteer who moves their home pin walk to the exact place.
        # Nearby measures to the same pins, so what it lists as reachable can be claimed.
        home = (volunteer.home_lat, volunteer.home_lon)
        from_home = distance_km(*home, help_request.public_lat, help_request.public_lon)
    policy.require_reach(
        user,
        area_code=help_request.area_code,
        distance_km=from_home,
        radius_km=volunteer.service_radius_km if volunteer else 0.0,
    )
    holding = await session.scalar(
        select(func.count())
        .select_from(HelpRequest)
        .where(HelpRequest.claimed_by_id == user.id, HelpRequest.status.in_(TAKEN))
    )
    policy.require_open_claims(
        user,
        verified=volunteer is not None and volunteer.is_verified,
        holding=holding or 0,
        limits=limits,
    )


async def would_take(
    session: AsyncSession, *, help_request: HelpRequest, user: User, limits: ClaimLimits
) -> bool:
    """Tell whether a claim by this person would be accepted now (same checks as `claim`)."""
    if help_request.status != Status.OPEN:
        return False
    try:
        volunteer = await check_helper(session, help_request=help_request, user=user)
        await _check_claimer(
            session, help_request=help_request, user=user, volunteer=volunteer, limits=limits
        )
    except DomainError:
        return False
    return True


async def _check_release(
    session: AsyncSession, *, help_request: HelpRequest, user: User | None, limits: ClaimLimits
) -> None:
    """Refuse a claimer who has given back too many requests in the last hour."""
    if user is None or help_request.claimed_by_id != user.id:
        return  # area staff releasing someone else's claim is not churn
    released = await session.scalar(
        select(func.count())
        .select_from(RequestEvent)
        .where(
            RequestEvent.actor_id == user.id,
            RequestEvent.kind == "released",
            RequestEvent.at >= utcnow() - timedelta(hours=1),
        )
    )
    policy.require_release_quota(user, released_last_hour=released or 0, limits=limits)


def record_step(
    session: AsyncSession,
    help_request: HelpRequest,
    *,
    actor: User | None,
    kind: str,
    from_status: str | None,
    to_status: str | None,
    note: str = "",
    reason: str | None = None,
    details: dict | None = None,
) -> None:
    """Add an entry to the request's timeline: its kind and details, never a made-up sentence
    (pages word each kind in their reader's language); `note` is what a person typed."""
    session.add(
        RequestEvent(
            request_id=help_request.id,
            actor_id=actor.id if actor else None,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            note=note,
            reason=reason,
            details=details or {},
        )
    )


async def move_from(
    session: AsyncSession,
    help_request: HelpRequest,
    *,
    from_status: Status,
    values: dict,
    actor_id: int | None = None,
) -> HelpRequest:
    """Change the request only if it is still in `from_status`; exactly one racer wins.

    A transport's bed follows the move (see `_settle_bed`).
    """
    before = map_item(help_request, status=str(from_status))
    changed = await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == help_request.id, HelpRequest.status == from_status)
        .values(**values, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise Conflict(
            "request.not_open" if from_status == Status.OPEN else "request.changed",
            "Someone changed this request first; reload the page to see it as it is now.",
            {"status": from_status.value},
        )
    await session.refresh(help_request)
    await _settle_bed(session, help_request, to=Status(help_request.status), actor_id=actor_id)
    signals.changed(session, before, help_request, from_status=str(from_status))
    return help_request


# A transport's stages, as its timeline names them: claimed → picked up → delivered.
STAGE_KINDS = {Status.IN_PROGRESS: "picked_up", Status.RESOLVED: "delivered"}


async def _settle_bed(
    session: AsyncSession, help_request: HelpRequest, *, to: Status, actor_id: int | None
) -> None:
    """Keep a transport's bed in step with its move: delivery occupies it, stopping frees it.

    Released (back to open), cancelled, closed or expired: the reserved bed is given back, and
    a released transport loses its destination too (the next driver chooses again).
    """
    if to in TAKEN:
        return
    if help_request.bed_state == BED_RESERVED and to == Status.RESOLVED:
        help_request.bed_state = BED_OCCUPIED
    elif help_request.bed_state == BED_RESERVED and help_request.destination_id is None:
        help_request.bed_state = None  # the facility itself was removed: nothing to give back
    elif help_request.bed_state == BED_RESERVED:
        await beds.free(
            session,
            facility_id=help_request.destination_id,
            colour=help_request.triage_colour,
            actor_id=actor_id,
        )
        help_request.bed_state = None
    if to == Status.OPEN:
        help_request.destination_id = None
    await session.flush()


async def claim(
    session: AsyncSession,
    *,
    help_request: HelpRequest,
    user: User,
    note: str = "",
    limits: ClaimLimits = ClaimLimits(),
    client_ip: str = "",
) -> HelpRequest:
    """Give an open request to the signed-in volunteer; of simultaneous claims one wins.

    The claimer gets the full view while they hold it, so each claim is audited as a read.
    """
    volunteer = await check_helper(session, help_request=help_request, user=user)
    await _check_claimer(
        session, help_request=help_request, user=user, volunteer=volunteer, limits=limits
    )
    await move_from(
        session,
        help_request,
        from_status=Status.OPEN,
        values={"status": Status.CLAIMED, "claimed_by_id": user.id, "claimed_at": utcnow()},
    )
    record_step(
        session,
        help_request,
        actor=user,
        kind="claimed",
        from_status=Status.OPEN,
        to_status=Status.CLAIMED,
        note=note,
    )
    await audit_service.record(
        session,
        action="personal_data.claim",
        actor_id=user.id,
        subject_type="help_request",
        subject_id=help_request.id,
        area_code=help_request.area_code,
        client_ip=client_ip,
    )
    await session.flush()
    return help_request


async def transition(
    session: AsyncSession,
    *,
    help_request: HelpRequest,
    user: User | None,
    to: Status,
    note: str = "",
    reason: CloseReason | None = None,
    details: dict | None = None,
    actors: set[Actor] | None = None,
    limits: ClaimLimits = ClaimLimits(),
    client_ip: str = "",
) -> HelpRequest:
    """Move a request as the state machine and the mover's part allow; 409 if impossible.

    A release is limited per hour and audited in the request's area, for its coordinators.
    """
    current = Status(help_request.status)
    if not is_move(current, to) or to == Status.CLAIMED:
        raise Conflict(
            "request.illegal_move",
            "This change is not possible for the request as it is now; reload the page.",
            {"from_status": current.value, "to_status": to.value},
        )
    actors = actors if actors is not None else actors_of(help_request, user)
    if not can_move(current, to, actors):
        if policy.is_staff(user) and can_move(current, to, {Actor.AREA_STAFF}):  # not theirs
            policy.require(user, Action.MANAGE_REQUESTS, area_code=help_request.area_code)
        raise Forbidden("auth.forbidden", "Your role does not allow this.")
    if to == Status.CLOSED and reason is None:
        raise invalid_field("reason", "{field} is required.")
    transport = await incidents_service.transport_kind(
        session, incident_id=help_request.incident_id, category_code=help_request.category
    )
    if transport and to == Status.RESOLVED and help_request.destination_id is None:
        raise Conflict(
            "transport.no_destination",
            "Choose where the transport goes before marking it delivered; a delivery needs a "
            "destination.",
            {"code": help_request.code},
        )
    values: dict = {"status": to}
    if to == Status.OPEN:
        await _check_release(session, help_request=help_request, user=user, limits=limits)
        values |= {"claimed_by_id": None, "claimed_at": None}
        await audit_service.record(
            session,
            action="request.released",
            actor_id=user.id if user else None,
            subject_type="help_request",
            subject_id=help_request.id,
            area_code=help_request.area_code,
            client_ip=client_ip,
            claimed_by_id=help_request.claimed_by_id,
        )
    if to in (Status.RESOLVED, Status.CANCELLED, Status.CLOSED, Status.EXPIRED):
        values |= {"closed_at": utcnow(), "close_reason": reason.value if reason else None}
    actor_id = user.id if user else None
    await move_from(session, help_request, from_status=current, values=values, actor_id=actor_id)
    kind = "released" if to == Status.OPEN else to.value
    if to in STAGE_KINDS and transport:
        kind = STAGE_KINDS[to]
    record_step(
        session,
        help_request,
        actor=user,
        kind=kind,
        from_status=current,
        to_status=to,
        note=note,
        reason=reason.value if reason else None,
        details=details,
    )
    await session.flush()
    return help_request


async def merge(
    session: AsyncSession, *, duplicate: HelpRequest, keep: HelpRequest, staff: User, note: str = ""
) -> HelpRequest:
    """Close a duplicate with reason `duplicate`, linked to the request that is kept."""
    if duplicate.id == keep.id:
        raise invalid_field("keep_id", "A request cannot be merged into itself.")
    for request in (duplicate, keep):  # both must be the staff member's
        policy.require(staff, Action.MERGE_REQUEST, area_code=request.area_code)
    if Status(keep.status) not in ACTIVE:  # closing the duplicate would leave nobody helping
        raise Conflict(
            "request.not_active",
            "A request can only be joined to one that is still active; {code} is finished.",
            {"code": keep.code, "status": keep.status},
        )
    await transition(
        session,
        help_request=duplicate,
        user=staff,
        to=Status.CLOSED,
        note=note,
        reason=CloseReason.DUPLICATE,
        details={"merged_into": keep.code},
    )
    duplicate.merged_into_id = keep.id
    record_step(
        session,
        keep,
        actor=staff,
        kind="merged",
        from_status=None,
        to_status=None,
        details={"merged_from": duplicate.code},
    )
    await session.flush()
    return duplicate
