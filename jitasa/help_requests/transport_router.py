"""HTTP API of transports: the destinations a driver may choose, and choosing one."""

from typing import Annotated

from fastapi import APIRouter, Query

from jitasa.accounts.deps import user_allowed_to
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.help_requests import reads, transport
from jitasa.help_requests.deps import ValidRequest
from jitasa.help_requests.schemas import DestinationIn, DestinationRead, HelpRequestFull

router = APIRouter(prefix="/api/v1/requests", tags=["help requests"])
Requester = user_allowed_to(Action.REQUEST_HELP)


@router.get("/{request_id}/destinations", response_model=list[DestinationRead])
async def destinations(
    help_request: ValidRequest,
    user: Requester,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[DestinationRead]:
    """Rank the facilities a transport may go to (its driver and area staff).

    A patient: facilities taking patients with beds of their triage colour, those with a free
    bed first, then nearest the pickup pin. The deceased: open temples that cremate, nearest
    first. 409 `transport.not_transport` for any other request.
    """
    found = await transport.destinations(session, help_request=help_request, user=user, limit=limit)
    return [
        DestinationRead(
            facility_id=d.facility.id,
            name_th=d.facility.name_th,
            name_en=d.facility.name_en,
            type=d.facility.type,
            status=d.facility.status,
            phone=d.facility.phone,
            address=d.facility.address,
            lat=d.facility.lat,
            lon=d.facility.lon,
            free_beds=d.free,
            total_beds=d.total,
            distance_km=d.distance_km,
            chosen=d.facility.id == help_request.destination_id,
        )
        for d in found
    ]


@router.post("/{request_id}/destination", response_model=HelpRequestFull)
async def choose_destination(
    help_request: ValidRequest,
    destination_in: DestinationIn,
    user: Requester,
    session: WriteSessionDep,
) -> dict:
    """Choose the transport's destination and reserve a bed of the patient's colour there.

    Errors: 404 `facilities.not_found`; 409 `facility.no_free_bed`,
    `facility.colour_not_accepted`, `facility.not_open`, `facility.not_for_the_deceased`,
    `transport.not_taken`, `transport.not_transport`, `request.changed`.
    """
    chosen = await transport.choose(
        session, help_request=help_request, user=user, facility_id=destination_in.facility_id
    )
    return reads.view(chosen, user)
