"""Pages of facilities: the list and search, one facility with its history, the capacity form."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts import service as accounts_service
from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.core import geo
from jitasa.core.db import SessionDep, WriteSessionDep, utcnow
from jitasa.core.errors import DomainError, FieldError, Invalid
from jitasa.core.fields import MAX_ROW_ID
from jitasa.core.map_params import one_value
from jitasa.core.thai import to_arabic_digits
from jitasa.core.validation import field_errors
from jitasa.core.words import TRIAGE_COLOURS
from jitasa.facilities import service as facilities_service
from jitasa.facilities import views as facility_views
from jitasa.facilities.errors import StaleCapacity
from jitasa.facilities.schemas import CapacityIn, FacilityEdit
from jitasa.facilities.words import BED_RESOURCES, RESOURCE_NAMES
from jitasa.web import account_views as views
from jitasa.web.export_links import export_query
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
FacilityId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PAGE_SIZE = 100
# What the form calls a resource's two numbers, as English message ids.
AMOUNT_LABELS = {"total": "Total", "available": "Free"}
# What the pages call each status, as English message ids.
STATUS_LABELS = {
    "open": "Open for service",
    "full": "Full",
    "closed": "Closed for service",
    "evacuating": "Evacuating",
}
COLOUR_LABELS = {str(c): str(c).capitalize() for c in TRIAGE_COLOURS}  # "Red"…
KIND_LABELS = {
    "created": "Added",
    "capacity": "Numbers changed",
    "checked": "Numbers checked, still right",
    "edited": "Details changed",
    "reserved": "Bed reserved for a transport",
    "freed": "Reserved bed given back",
}


def _type_name(kind, language: str) -> str:
    """Name a kind of facility in the page language."""
    return kind.name_th if language == "th" else kind.name_en


def _page_words(language: str) -> dict:
    """Return the labels every facility page uses."""
    return {
        "resources": RESOURCE_NAMES,
        "statuses": STATUS_LABELS,
        "colours": COLOUR_LABELS,
        "type_name": lambda kind: _type_name(kind, language),
        "name_of": lambda f: f["name_th"] if language == "th" or not f["name_en"] else f["name_en"],
        "age": lambda f: f["freshness"]["text_th" if language == "th" else "text"],
    }


@router.get("/facilities", response_class=HTMLResponse)
async def facility_list(
    request: Request,
    session: SessionDep,
    type: Annotated[str | None, Query(max_length=40)] = None,
    free_beds: Annotated[str | None, Query(max_length=10)] = None,
    near: Annotated[str | None, Query(max_length=60)] = None,
    open_only: Annotated[bool, Query()] = False,
) -> Response:
    """List and search facilities: by type, free beds of a colour, open ones, nearest first."""
    language = language_of(request)
    types = await facility_views.types_by_code(session)
    chosen_type = one_value(type, types, "type")
    colour = one_value(free_beds, BED_RESOURCES, "free_beds")
    try:
        point = facilities_service.parse_near(near or None)
        # The page's address and form keep where one stands only to about 500 m, like the map.
        point = geo.round_for_privacy(*point) if point else None
    except Invalid:
        point = None
    found = await facilities_service.list_facilities(
        session,
        types=[chosen_type] if chosen_type else [],
        statuses=["open"] if open_only else [],
        free_beds=[colour] if colour else [],
        bbox=None,
        area=None,
        near=point,
        limit=PAGE_SIZE,
        offset=0,
    )
    now, hours = utcnow(), request.app.state.settings.facility_stale_hours
    return render(
        request,
        "facilities/list.html",
        facilities=[
            facility_views.view(f, types, now=now, stale_hours=hours, distance_km=d)
            for f, d in found
        ],
        types=types,
        chosen={
            "type": chosen_type,
            "free_beds": colour,
            "near": f"{point[0]},{point[1]}" if point else "",
            "open_only": open_only,
        },
        export=export_query(
            type=chosen_type, free_beds=colour, status="open" if open_only else None
        ),
        **_page_words(language),
    )


async def _detail(
    request: Request, session: AsyncSession, user: User | None, facility_id: int
) -> dict:
    """Return what the detail and form pages show of a facility."""
    facility = await facilities_service.get_or_raise(session, facility_id=facility_id)
    types = await facility_views.types_by_code(session)
    now, hours = utcnow(), request.app.state.settings.facility_stale_hours
    return {
        "facility": facility_views.view(facility, types, now=now, stale_hours=hours),
        "type_row": types[facility.type],
        "may_update": policy.allows_capacity(
            user, facility_id=facility.id, area_code=facility.area_code
        ),
        "may_read_history": user is not None
        and policy.allows(user, Action.MANAGE_FACILITIES, area_code=facility.area_code),
    }


@router.get("/facilities/{facility_id}", response_class=HTMLResponse)
async def facility_detail(
    request: Request, facility_id: FacilityId, user: OptionalUser, session: SessionDep
) -> Response:
    """Show a facility: capacity, contact, freshness; its history to the area's staff."""
    language = language_of(request)
    shown = await _detail(request, session, user, facility_id)
    history = []
    if shown["may_read_history"]:
        history = await facilities_service.history(
            session, facility_id=facility_id, limit=50, before_id=None
        )
    # Those who may read the history see who made each change by name, as on the desk.
    names = await accounts_service.display_names(
        session, user_ids={entry.actor_id for entry in history if entry.actor_id}
    )
    return render(
        request,
        "facilities/detail.html",
        **shown,
        history=history,
        names=names,
        kinds=KIND_LABELS,
        when=lambda moment: facility_views.age_text(
            int((utcnow() - moment).total_seconds() // 60), language
        ),
        flash=views.pop_flash(request, language),
        **_page_words(language),
    )


def _form_rows(facility: dict) -> list[dict]:
    """Return the form's rows: the facility's resources, and beds of every colour."""
    kept = {c["resource"]: c for c in facility["capacity"]}
    names = list(dict.fromkeys([*BED_RESOURCES.values(), *kept]))
    return [kept.get(name, {"resource": name, "total": 0, "available": 0}) for name in names]


async def _form_page(
    request: Request,
    session: AsyncSession,
    user: User,
    facility_id: int,
    *,
    rows: list[dict] | None = None,
    errors: dict[str, list[str]] | None = None,
    stale: StaleCapacity | None = None,
    status_code: int = 200,
) -> Response:
    """Render the one-thumb capacity form."""
    shown = await _detail(request, session, user, facility_id)
    if not shown["may_update"]:
        policy.require(user, Action.UPDATE_CAPACITY, area_code=shown["facility"]["area_code"])
    return render(
        request,
        "facilities/capacity.html",
        status_code=status_code,
        **shown,
        rows=rows or _form_rows(shown["facility"]),
        errors=errors or {},
        stale=stale,
        **_page_words(language_of(request)),
    )


@router.get("/facilities/{facility_id}/capacity", response_class=HTMLResponse)
async def capacity_form(
    request: Request, facility_id: FacilityId, user: OptionalUser, session: SessionDep
) -> Response:
    """Show the capacity form to the staff of the facility's area."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    return await _form_page(request, session, user, facility_id)


def _read_rows(form) -> tuple[list[dict], dict[str, dict]]:
    """Return the posted rows as typed, and as `{resource: {total, available}}` to check."""
    rows, update = [], {}
    for resource in form.getlist("resource"):
        text = {
            part: to_arabic_digits(str(form.get(f"{resource}.{part}", ""))).strip()
            for part in ("total", "available")
        }
        rows.append({"resource": resource, **text})
        update[resource] = text
    return rows, update


@router.post("/facilities/{facility_id}/capacity", response_class=HTMLResponse)
async def save_capacity(
    request: Request, facility_id: FacilityId, user: OptionalUser, session: WriteSessionDep
) -> Response:
    """Save the numbers, or say they were checked; a form older than the numbers is a 409."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    language = language_of(request)
    form = await request.form()
    rows, raw = _read_rows(form)
    facility = await facilities_service.get_or_raise(session, facility_id=facility_id)
    policy.require_capacity(
        user, facility_id=facility.id, area_code=facility.area_code, token_scope=None
    )
    version = str(form.get("version", ""))
    problems: list[FieldError] = []
    update = {}
    kept = {c.resource for c in facility.capacity}
    for name, amounts in raw.items():
        if name not in kept and amounts == {"total": "0", "available": "0"}:
            continue  # a colour of bed the facility does not have, left at zero
        try:
            update[name] = CapacityIn.model_validate(amounts)
        except ValidationError as invalid:
            problems += [
                FieldError(f"{name}.{p.field}", p.message, p.message_th)
                for p in field_errors(invalid, labels=AMOUNT_LABELS)
            ]
    try:
        if problems:
            raise Invalid(
                "validation.invalid", "Please correct what is marked below.", {}, problems
            )
        status = str(form.get("status", ""))
        # Numbers left at zero for resources the facility does not keep report nothing: a
        # form that only changes the status saves it; otherwise nothing reported is refused.
        if update or status not in STATUS_LABELS or status == facility.status:
            await facilities_service.set_capacity(
                session,
                facility_id=facility.id,
                update=update,
                actor_id=user.id,
                via="page",
                expected_version=int(version) if version.isdigit() else None,
            )
        if status in STATUS_LABELS:
            await facilities_service.edit(
                session,
                facility_id=facility.id,
                changes=FacilityEdit(status=status),
                actor_id=user.id,
                via="page",
            )
    except StaleCapacity as stale:
        await session.rollback()
        await session.refresh(user)  # the rollback expired it
        return await _form_page(request, session, user, facility_id, stale=stale, status_code=409)
    except DomainError as error:
        await session.rollback()
        await session.refresh(user)
        messages = {
            p.field: [p.message_th if language == "th" else p.message]
            for p in field_errors(error, whole="status")  # refusing a status names no field
        }
        return await _form_page(
            request,
            session,
            user,
            facility_id,
            rows=rows,
            errors=messages,
            status_code=409 if error.status == 409 else 422,
        )
    checked = form.get("action") == "checked"
    views.flash(request, "Thank you: the numbers are checked." if checked else "Numbers saved.")
    return views.go_to(f"/facilities/{facility_id}")
