"""HTTP API of village residents registers: the follow-up list, residents, doses, figures.

Personal data: every list is audit-logged, national IDs are answered masked only; the routes
are for area staff and the village's อสม. (`policy.require_village`).
"""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser, client_ip
from jitasa.accounts.policy import Action
from jitasa.core import idempotency
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.core.errors import Forbidden
from jitasa.core.fields import AreaCode, RowId
from jitasa.vaccination import doses, followups, residents
from jitasa.vaccination.schemas import (
    MAX_DOSE_NUMBER,
    DoseCreate,
    DoseRead,
    FollowUpPage,
    ResidentCreate,
    ResidentPage,
    ResidentRead,
    SummaryPage,
)
from jitasa.volunteers import service as volunteers_service

router = APIRouter(prefix="/api/v1/vaccination", tags=["vaccination"])
VillageCode = Annotated[str, Query(pattern=r"^\d{8}$", examples=["50010103"])]
Lat = Annotated[float | None, Query(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[float | None, Query(ge=-180, le=180, allow_inf_nan=False)]


VHV_NOT_VERIFIED = (
    "Your volunteer profile is not verified yet: a residents register holds health data, shown "
    "only to the อสม. their area's officials have verified. Ask your subdistrict's officials."
)


async def vhv_area(session, user) -> str | None:
    """Return the area of the user's volunteer profile when they are a verified อสม., else None.

    An อสม. not verified yet is refused: 403 `vaccination.vhv_not_verified` (staff are checked
    by their area instead)."""
    if user is None or policy.is_staff(user):
        return None
    volunteer = await volunteers_service.get_for_user(session, user=user)
    if volunteer is None or volunteer.kind != "vhv":
        return None
    if not volunteer.is_verified:
        raise Forbidden("vaccination.vhv_not_verified", VHV_NOT_VERIFIED)
    return volunteer.area_code


async def allowed(session, user, village_code: str):
    """Return the user when they may follow up this village (403/401 otherwise)."""
    area = await vhv_area(session, user)
    return policy.require_village(user, village_code=village_code, vhv_area=area)


@router.get("/followups", response_model=FollowUpPage)
async def list_followups(
    area: VillageCode,
    user: OptionalUser,
    request: Request,
    session: SessionDep,
    lat: Lat = None,
    lon: Lon = None,
) -> dict:
    """List the village's 608 residents missing a dose, nearest household to (lat, lon) first
    (else to the อสม.'s home), then by house number; the read is audit-logged."""
    actor = await allowed(session, user, area)
    near = (lat, lon) if lat is not None and lon is not None else None
    if near is None:
        volunteer = await volunteers_service.get_for_user(session, user=actor)
        near = (volunteer.home_lat, volunteer.home_lon) if volunteer else None
    return await followups.for_village(
        session, village_code=area, near=near, actor_id=actor.id, client_ip=client_ip(request)
    )


@router.get("/residents", response_model=ResidentPage)
async def list_residents(
    area: VillageCode, user: OptionalUser, request: Request, session: SessionDep
) -> dict:
    """List a village's residents (national IDs masked); the read is audit-logged."""
    actor = await allowed(session, user, area)
    items = await residents.in_village(
        session, village_code=area, actor_id=actor.id, client_ip=client_ip(request)
    )
    return {"village_code": area, "items": items}


@router.post("/residents", response_model=ResidentRead, status_code=201)
async def add_resident(
    resident_in: ResidentCreate, user: OptionalUser, session: WriteSessionDep
) -> dict:
    """Register a resident in their village (created on first use); 409 if already registered."""
    village = f"{resident_in.subdistrict_code}{resident_in.village_number:02d}"
    actor = await allowed(session, user, village)
    resident = await residents.add(session, resident_in=resident_in, actor_id=actor.id)
    return {
        **{c: getattr(resident, c) for c in residents.SHOWN},
        "aged_60": residents.aged_60(resident.birth_year),
        "doses": 0,
    }


@router.post("/residents/{resident_id}/doses", response_model=DoseRead, status_code=201)
async def record_dose(
    resident_id: RowId,
    dose_in: DoseCreate,
    user: OptionalUser,
    request: Request,
    session: WriteSessionDep,
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> JSONResponse:
    """Record a dose given to a resident; a repeat with the same Idempotency-Key (an offline
    phone sending again) records nothing twice and gets the first answer."""
    resident = await residents.get_or_raise(session, resident_id=resident_id)
    actor = await allowed(session, user, resident.village_code)
    scope = f"{actor.id}:POST:{request.url.path}"
    payload = dose_in.model_dump(mode="json")
    replayed = await idempotency.replay(session, key=key, scope=scope, payload=payload)
    if replayed:
        return JSONResponse(replayed[1], status_code=replayed[0])
    dose, notes = await doses.record(session, resident=resident, dose_in=dose_in, actor_id=actor.id)
    body = DoseRead(
        resident_id=resident.id,
        number=dose.number,
        vaccine=dose.vaccine,
        given_on=dose.given_on,
        place=dose.place,
        warnings=[n.message for n in notes],
        warnings_th=[n.message_th for n in notes],
    ).model_dump(mode="json")
    await idempotency.remember(
        session, key=key, scope=scope, payload=payload, status_code=201, body=body
    )
    return JSONResponse(body, status_code=201)


@router.delete("/residents/{resident_id}/doses/{number}", response_model=DoseRead)
async def delete_dose(
    resident_id: RowId,
    number: Annotated[int, Path(ge=1, le=MAX_DOSE_NUMBER)],
    user: OptionalUser,
    session: WriteSessionDep,
) -> dict:
    """Delete a dose recorded by mistake (then record the right one): the village's อสม. or
    area staff; answers the removed dose, recounts the village's coverage and is audit-logged.
    404 `vaccination.no_dose` when that dose is not recorded."""
    resident = await residents.get_or_raise(session, resident_id=resident_id)
    actor = await allowed(session, user, resident.village_code)
    dose = await doses.remove(session, resident=resident, number=number, actor_id=actor.id)
    return {
        "resident_id": resident.id,
        "number": dose.number,
        "vaccine": dose.vaccine,
        "given_on": dose.given_on,
        "place": dose.place,
    }


@router.get("/register-figures", response_model=SummaryPage)
async def register_figures(area: AreaCode, user: OptionalUser, session: SessionDep) -> dict:
    """Return the residents registers' figures per village of an area and their total (area
    staff; no person named)."""
    policy.require(user, Action.READ_REGISTER_FIGURES, area_code=area)
    return await followups.summaries(session, area_code=area)
