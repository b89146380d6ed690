"""HTTP API of volunteers: own profile, the area roster, one profile, verification."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from jitasa.accounts import policy
from jitasa.accounts.deps import SignedInUser, client_ip, user_allowed_to
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.core.errors import NotFound
from jitasa.core.fields import MAX_ROW_ID, AreaCode
from jitasa.volunteers import service, verification, villages
from jitasa.volunteers.deps import ReadableVolunteer, VerifiableVolunteer, VillageVolunteer
from jitasa.volunteers.models import Volunteer
from jitasa.volunteers.schemas import (
    RefuseIn,
    VillageSet,
    VolunteerPage,
    VolunteerRead,
    VolunteerSave,
)

router = APIRouter(prefix="/api/v1/volunteers", tags=["volunteers"])
Registrant = user_allowed_to(Action.REGISTER_VOLUNTEER)


@router.post(
    "",
    response_model=VolunteerRead,
    responses={status.HTTP_201_CREATED: {"model": VolunteerRead, "description": "Registered"}},
)
async def save_profile(
    volunteer_in: VolunteerSave,
    user: Registrant,
    request: Request,
    response: Response,
    session: WriteSessionDep,
) -> Volunteer:
    """Register as a volunteer (201) or update one's own volunteer profile (200)."""
    volunteer, created = await service.save_profile(
        session,
        user=user,
        volunteer_in=volunteer_in,
        refresh_seconds=request.app.state.settings.boundary_refresh_seconds,
        client_ip=client_ip(request),
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return volunteer


@router.get("/me", response_model=VolunteerRead)
async def my_profile(user: SignedInUser, session: SessionDep) -> Volunteer:
    """Return the signed-in user's own volunteer profile."""
    volunteer = await service.get_for_user(session, user=user)
    if volunteer is None:
        raise NotFound("volunteers.not_found", "You have not registered as a volunteer yet.")
    return volunteer


@router.get("", response_model=VolunteerPage)
async def list_volunteers(
    user: SignedInUser,
    request: Request,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query(description="Area code; default your own")] = None,
    verified: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
) -> VolunteerPage:
    """List the volunteers of an area with their contact details (area staff; admins: all)."""
    scope = policy.scope_for_listing(user, Action.LIST_VOLUNTEERS, area)
    volunteers, next_cursor = await service.list_volunteers(
        session,
        reader=user,
        client_ip=client_ip(request),
        area_prefix=scope,
        verified=verified,
        limit=limit,
        cursor=cursor,
    )
    return VolunteerPage(
        items=[VolunteerRead.model_validate(v) for v in volunteers], next_cursor=next_cursor
    )


@router.get("/{volunteer_id}", response_model=VolunteerRead)
async def get_volunteer(
    volunteer: ReadableVolunteer, user: SignedInUser, request: Request, session: SessionDep
) -> Volunteer:
    """Return one volunteer's profile (area staff of the volunteer's home area)."""
    return await service.read(
        session, volunteer=volunteer, reader=user, client_ip=client_ip(request)
    )


@router.post("/{volunteer_id}/refuse", response_model=VolunteerRead)
async def refuse(
    volunteer: VerifiableVolunteer,
    refuse_in: RefuseIn,
    user: SignedInUser,
    request: Request,
    session: WriteSessionDep,
) -> Volunteer:
    """Decline to verify a volunteer of one's area, for a reason (they may update and ask again)."""
    return await verification.refuse(
        session,
        volunteer=volunteer,
        coordinator=user,
        reason=refuse_in.reason,
        client_ip=client_ip(request),
    )


@router.post("/{volunteer_id}/verify", response_model=VolunteerRead)
async def verify(
    volunteer: VerifiableVolunteer, user: SignedInUser, request: Request, session: WriteSessionDep
) -> Volunteer:
    """Verify a volunteer of one's area, so they may take medical requests."""
    return await verification.verify(
        session, volunteer=volunteer, coordinator=user, client_ip=client_ip(request)
    )


@router.put("/{volunteer_id}/village", response_model=VolunteerRead)
async def set_village(
    volunteer: VillageVolunteer,
    village_in: VillageSet,
    user: SignedInUser,
    request: Request,
    session: WriteSessionDep,
) -> Volunteer:
    """Make an อสม. of one's area the volunteer of a village of their home subdistrict, so they
    follow up its residents (and no other village's); 409 for another kind of volunteer, 422
    for a village outside their home subdistrict. Audit-logged."""
    return await villages.set_village(
        session,
        volunteer=volunteer,
        village_code=village_in.village_code,
        coordinator=user,
        client_ip=client_ip(request),
    )
