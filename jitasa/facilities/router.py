"""HTTP API of facilities: types, search (nearest first), one facility, capacity, history."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser, user_and_token_scope
from jitasa.accounts.policy import Action
from jitasa.core import idempotency
from jitasa.core.db import SessionDep, WriteSessionDep, utcnow
from jitasa.core.errors import invalid_field
from jitasa.core.fields import MAX_ROW_ID, AreaCode, RowId
from jitasa.core.map_params import BBoxParam, parse_bbox, split_values
from jitasa.facilities import service, views
from jitasa.facilities.schemas import (
    CapacityUpdate,
    FacilityCreate,
    FacilityEdit,
    FacilityPage,
    FacilityRead,
    FacilityTypeRead,
    HistoryPage,
)
from jitasa.facilities.words import BED_RESOURCES, STATUSES

if TYPE_CHECKING:
    from jitasa.accounts.models import User

router = APIRouter(prefix="/api/v1/facilities", tags=["facilities"])
ListParam = Annotated[list[str] | None, Query(max_length=200)]
MAX_OFFSET = 1_000_000


def stale_hours(request: Request) -> float:
    """Return after how many hours the numbers of a facility are stale (settings)."""
    return request.app.state.settings.facility_stale_hours


def version_of(if_match: str | None) -> int | None:
    """Read the capacity version an If-Match header names (`"3"`, `W/"3"` or `3`)."""
    if if_match is None or if_match.strip() == "*":
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or int(text) > MAX_ROW_ID:
        raise invalid_field("If-Match", "{field} must be the capacity_version of the facility.")
    return int(text)


@router.get("/types", response_model=list[FacilityTypeRead])
async def facility_types(session: SessionDep) -> list:
    """List the kinds of facility with their Thai and English names and map glyphs."""
    return await service.types(session)


@router.get("", response_model=FacilityPage)
async def list_facilities(
    request: Request,
    session: SessionDep,
    type: ListParam = None,
    status: ListParam = None,
    free_beds: ListParam = None,
    bbox: BBoxParam = None,
    area: Annotated[AreaCode | None, Query()] = None,
    near: Annotated[str | None, Query(max_length=60, description="lat,lon")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_OFFSET)] = None,
) -> dict:
    """List facilities anyone may see; with `near`, nearest first with `distance_km`."""
    types = await views.types_by_code(session)
    offset = cursor or 0
    found = await service.list_facilities(
        session,
        types=split_values(type, set(types), "type"),
        statuses=split_values(status, set(STATUSES), "status"),
        free_beds=split_values(free_beds, set(BED_RESOURCES), "free_beds"),
        bbox=parse_bbox(bbox),
        area=area,
        near=service.parse_near(near),
        limit=limit + 1,
        offset=offset,
    )
    now, hours = utcnow(), stale_hours(request)
    items = [
        views.view(f, types, now=now, stale_hours=hours, distance_km=d) for f, d in found[:limit]
    ]
    return {"items": items, "next_cursor": str(offset + limit) if len(found) > limit else None}


@router.post("", status_code=201, response_model=FacilityRead)
async def create_facility(
    facility_in: FacilityCreate,
    user: OptionalUser,
    request: Request,
    session: WriteSessionDep,
    key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> JSONResponse:
    """Add a facility (area staff of its pin); a repeat with the same Idempotency-Key adds none."""
    refresh = request.app.state.settings.boundary_refresh_seconds
    codes = await service.area_codes(session, facility_in=facility_in, refresh_seconds=refresh)
    area = codes.get("subdistrict") or codes.get("district") or codes.get("province")
    actor: User = policy.require(user, Action.MANAGE_FACILITIES, area_code=area)
    scope = f"{actor.id}:POST:{request.url.path}"
    payload = facility_in.model_dump(mode="json")
    replayed = await idempotency.replay(session, key=key, scope=scope, payload=payload)
    if replayed:
        return JSONResponse(replayed[1], status_code=replayed[0])
    facility = await service.create(
        session, facility_in=facility_in, actor_id=actor.id, via="api", refresh_seconds=refresh
    )
    types = await views.types_by_code(session)
    body = FacilityRead.model_validate(
        views.view(facility, types, now=utcnow(), stale_hours=stale_hours(request))
    ).model_dump(mode="json")
    await idempotency.remember(
        session, key=key, scope=scope, payload=payload, status_code=201, body=body
    )
    return JSONResponse(body, status_code=201)


@router.patch("/{facility_id}", response_model=FacilityRead)
async def edit_facility(
    facility_id: RowId,
    changes: FacilityEdit,
    user: OptionalUser,
    request: Request,
    session: WriteSessionDep,
) -> dict:
    """Change a facility's details or status (open, full, closed, evacuating): area staff."""
    facility = await service.get_or_raise(session, facility_id=facility_id)
    actor: User = policy.require(user, Action.MANAGE_FACILITIES, area_code=facility.area_code)
    facility = await service.edit(
        session, facility_id=facility.id, changes=changes, actor_id=actor.id, via="api"
    )
    types = await views.types_by_code(session)
    return views.view(facility, types, now=utcnow(), stale_hours=stale_hours(request))


@router.get("/{facility_id}", response_model=FacilityRead)
async def read_facility(
    facility_id: RowId, request: Request, response: Response, session: SessionDep
) -> dict:
    """Return one facility; its ETag is the capacity version a form sends back as If-Match."""
    facility = await service.get_or_raise(session, facility_id=facility_id)
    types = await views.types_by_code(session)
    response.headers["ETag"] = f'"{facility.capacity_version}"'
    return views.view(facility, types, now=utcnow(), stale_hours=stale_hours(request))


@router.put("/{facility_id}/capacity", response_model=FacilityRead)
async def set_capacity(
    facility_id: RowId,
    update: CapacityUpdate,
    request: Request,
    response: Response,
    session: WriteSessionDep,
    signed_in: Annotated[tuple, Depends(user_and_token_scope)],
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=40)] = None,
) -> dict:
    """Set resources `{resource: {total, available}}`: area staff, or this facility's token.

    With If-Match (the ETag read before), a change made meanwhile by someone else is a 409
    showing both; the same numbers again record that they were checked and are still right.
    """
    user, token_scope = signed_in
    facility = await service.get_or_raise(session, facility_id=facility_id)
    actor: User = policy.require_capacity(
        user, facility_id=facility.id, area_code=facility.area_code, token_scope=token_scope
    )
    facility = await service.set_capacity(
        session,
        facility_id=facility.id,
        update=update.root,
        actor_id=actor.id,
        via="token" if token_scope else "api",
        expected_version=version_of(if_match),
    )
    types = await views.types_by_code(session)
    response.headers["ETag"] = f'"{facility.capacity_version}"'
    return views.view(facility, types, now=utcnow(), stale_hours=stale_hours(request))


@router.get("/{facility_id}/history", response_model=HistoryPage)
async def facility_history(
    facility_id: RowId,
    user: OptionalUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> dict:
    """Return who changed or checked the facility's numbers, when, before and after."""
    facility = await service.get_or_raise(session, facility_id=facility_id)
    policy.require(user, Action.MANAGE_FACILITIES, area_code=facility.area_code)
    entries = await service.history(
        session, facility_id=facility.id, limit=limit + 1, before_id=cursor
    )
    more = len(entries) > limit
    return {
        "items": entries[:limit],
        "next_cursor": str(entries[limit - 1].id) if more else None,
    }
