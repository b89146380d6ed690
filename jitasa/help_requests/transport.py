"""Patient and body transport (P5): where a transport may go, and choosing its destination.

The request's pin is the pickup. A patient's transport needs a bed of their triage colour:
choosing a destination reserves one there (one conditional UPDATE, see `facilities.beds`), a
change of destination gives the old one back, and the stages (`lifecycle.STAGE_KINDS`) occupy
or free it. The deceased go to an open temple that cremates; no bed is counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict, Forbidden
from jitasa.facilities import beds
from jitasa.facilities import service as facilities_service
from jitasa.help_requests import access, lifecycle, signals
from jitasa.help_requests.models import BED_RESERVED, HelpRequest
from jitasa.help_requests.states import TAKEN, Actor
from jitasa.incidents import service as incidents_service

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User
    from jitasa.facilities.models import Facility


async def _require_transport(
    session: AsyncSession, help_request: HelpRequest, user: User | None
) -> str:
    """Return "patient" or "body"; refuse anyone but its driver and area staff, or 409.

    Anonymous: 401. A volunteer who does not hold it: 403 `transport.not_holder`, saying who
    chooses; staff of another area: 403 `auth.out_of_area`; anyone else (a requester): 403
    `auth.forbidden` (taking the transport is no advice for them).
    """
    if not access.actors_of(help_request, user) & {Actor.CLAIMER, Actor.AREA_STAFF}:
        volunteer = policy.allows(user, Action.CLAIM_REQUEST) and not policy.is_staff(user)
        if volunteer:
            raise Forbidden(
                "transport.not_holder",
                "Only the driver who holds transport {code}, or the staff of its area, see "
                "where it may go and choose its destination; take the transport first.",
                {"code": help_request.code},
            )
        policy.require(user, Action.MANAGE_REQUESTS, area_code=help_request.area_code)
    kind = await incidents_service.transport_kind(
        session, incident_id=help_request.incident_id, category_code=help_request.category
    )
    if kind is None:
        raise Conflict(
            "transport.not_transport",
            "Request {code} is not a transport; only transports have a destination.",
            {"code": help_request.code},
        )
    return kind


async def destinations(
    session: AsyncSession, *, help_request: HelpRequest, user: User | None, limit: int
) -> list[beds.Destination]:
    """Rank where this transport may go (its driver and area staff): see `beds.destinations`."""
    await _require_transport(session, help_request, user)
    return await beds.destinations(
        session,
        colour=help_request.triage_colour,
        lat=help_request.lat,
        lon=help_request.lon,
        limit=limit,
    )


async def choose(
    session: AsyncSession, *, help_request: HelpRequest, user: User, facility_id: int
) -> HelpRequest:
    """Send the transport to a facility, reserving a bed of the patient's colour there.

    Only while the transport is taken (claimed or picked up). A new destination's bed is
    reserved before the old one is given back, and the request changes only if nobody else
    changed its destination meanwhile (else 409 `request.changed`, nothing kept). Choosing
    the same destination again changes nothing. Errors: 404 `facilities.not_found`; 409
    `facility.no_free_bed`, `facility.colour_not_accepted`, `facility.not_open`,
    `facility.not_for_the_deceased`, `transport.not_taken`, `transport.not_transport`.
    """
    await _require_transport(session, help_request, user)
    # The request's row first, then the facility's: the order a transition takes them in
    # (its move, then the bed it frees), so the two never wait for each other.
    await session.execute(
        select(HelpRequest)
        .where(HelpRequest.id == help_request.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if help_request.status not in TAKEN:
        raise Conflict(
            "transport.not_taken",
            "A destination can be chosen only while a driver holds the transport; reload the "
            "page to see it as it is now.",
            {"status": help_request.status},
        )
    old_id, old_bed = help_request.destination_id, help_request.bed_state
    if old_id == facility_id:
        return help_request
    colour = help_request.triage_colour
    facility = await beds.reserve(session, facility_id=facility_id, colour=colour, actor_id=user.id)
    new_bed = BED_RESERVED if colour else None
    changed = await session.execute(
        update(HelpRequest)
        .where(
            HelpRequest.id == help_request.id,
            HelpRequest.status.in_(TAKEN),
            HelpRequest.destination_id.is_(None)
            if old_id is None
            else HelpRequest.destination_id == old_id,
        )
        .values(destination_id=facility.id, bed_state=new_bed, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise Conflict(
            "request.changed",
            "Someone changed this request first; reload the page to see it as it is now.",
            {"status": help_request.status},
        )
    if old_id is not None and old_bed == BED_RESERVED:
        await beds.free(session, facility_id=old_id, colour=colour, actor_id=user.id)
    await session.refresh(help_request)
    lifecycle.record_step(
        session,
        help_request,
        actor=user,
        kind="destination",
        from_status=None,
        to_status=None,
        details={
            "facility_id": facility.id,
            "facility_name": facility.name_en or facility.name_th,
            "facility_name_th": facility.name_th,
            "from_facility_id": old_id,
            "colour": colour,
        },
    )
    await session.flush()
    signals.announce(session, help_request, kind="request.updated")
    return help_request


async def refuse_shutting_with_transports_on_the_way(
    session: AsyncSession, facility: Facility
) -> None:
    """Refuse to close or evacuate a facility that a taken transport is heading to (409).

    A closed door must not wait for a patient in a car, nor keep a bed reserved for nobody:
    the drivers or the area's staff choose another destination first (the message names the
    transports by code).
    """
    codes = list(
        await session.scalars(
            select(HelpRequest.code)
            .where(HelpRequest.destination_id == facility.id, HelpRequest.status.in_(TAKEN))
            .order_by(HelpRequest.id)
        )
    )
    if codes:
        raise Conflict(
            "facility.transports_on_the_way",
            "{count} transports are on their way here ({codes}); choose another destination "
            "for them before closing this facility.",
            {"count": len(codes), "codes": ", ".join(codes)},
        )


facilities_service.shut_checks.append(refuse_shutting_with_transports_on_the_way)
