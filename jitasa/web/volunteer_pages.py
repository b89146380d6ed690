"""Pages of volunteers: one's own profile (registration) and the verification queue."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser, client_ip
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.areas import service as areas_service
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.core.errors import Conflict, DomainError, FieldError, invalid_field
from jitasa.core.fields import MAX_ROW_ID, AreaCode
from jitasa.core.i18n import translate
from jitasa.core.thai import format_date, to_arabic_digits
from jitasa.core.validation import field_errors
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers import verification as volunteer_verification
from jitasa.volunteers.models import RefusalReason, Volunteer
from jitasa.volunteers.schemas import VolunteerSave
from jitasa.web import account_views as views
from jitasa.web.followup_pages import own_village
from jitasa.web.rendering import error_text, language_of, render

router = APIRouter(include_in_schema=False)
QUEUE = "/coordinator/volunteers"
QUEUE_PAGE_SIZE = 50
RADIUS_CHOICES = (1, 2, 5, 10, 20, 50)
PIN_FIELDS = ("home_lat", "home_lon")
FIELD_LABELS = {
    "kind": "Kind of volunteer",
    "skills": "Skills",
    "vehicle": "Vehicle",
    "service_radius_km": "How far you can go",
    "display_name": "Your name",
    "home_lat": "Latitude",
    "home_lon": "Longitude",
    "area_code": "Subdistrict",
}
NO_PIN = "Tap the map to place your home pin, or type its latitude and longitude."
NO_NAME = "Write your name, so that your area's coordinator knows who you are."


def _form_of(volunteer: Volunteer | None, user: User) -> dict[str, object]:
    """Return the profile form's values for a saved profile, or a new one's defaults."""
    if volunteer is None:
        return {
            "kind": "",
            "vehicle": "none",
            "service_radius_km": "5",
            "available_now": True,
            "display_name": user.display_name,
        }
    return {
        "kind": volunteer.kind,
        "skills": ", ".join(volunteer.skills),
        "vehicle": volunteer.vehicle,
        "ppe_trained": volunteer.ppe_trained,
        "home_lat": f"{volunteer.home_lat:.6f}",
        "home_lon": f"{volunteer.home_lon:.6f}",
        "area_code": volunteer.area_code,
        "service_radius_km": f"{volunteer.service_radius_km:g}",
        "available_now": volunteer.available_now,
        "display_name": user.display_name,
    }


def _read_form(form) -> dict[str, object]:
    """Return the posted profile form as its fields' values (Thai digits read as digits)."""
    text = {name: to_arabic_digits(str(form.get(name, ""))).strip() for name in FIELD_LABELS}
    return {**text, "ppe_trained": "ppe_trained" in form, "available_now": "available_now" in form}


def _profile_in(values: dict[str, object]) -> dict[str, object]:
    """Shape the form's values as a VolunteerSave; blanks become missing or defaults."""
    skills = str(values["skills"]).replace("\n", ",").split(",")
    data = {
        "skills": [skill.strip() for skill in skills if skill.strip()],
        "vehicle": values["vehicle"] or "none",
        "ppe_trained": values["ppe_trained"],
        "area_code": values["area_code"] or None,
        "service_radius_km": values["service_radius_km"] or 5,
        "available_now": values["available_now"],
        "display_name": values["display_name"] or None,
    }
    data.update({name: values[name] for name in ("kind", *PIN_FIELDS) if values[name]})
    return data


def _form_errors(
    values: dict[str, object], problems: list[FieldError], user: User, language: str
) -> dict[str, list[str]]:
    """Return what is wrong with the form per field; the pin's two numbers count as one field."""
    errors = views.field_messages(problems, language)
    pin_errors = [message for name in PIN_FIELDS for message in errors.pop(name, [])]
    if not (values["home_lat"] and values["home_lon"]):
        pin_errors = [translate(NO_PIN, language)]  # one message for the missing pin
    errors["home"] = pin_errors
    if not values["display_name"] and not user.display_name:
        errors.setdefault("display_name", []).append(translate(NO_NAME, language))
    return {name: messages for name, messages in errors.items() if messages}


async def _profile_page(
    request: Request,
    session: AsyncSession,
    *,
    user: User,
    volunteer: Volunteer | None,
    values: dict[str, object],
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    """Render the volunteer profile form with the saved profile's status and area."""
    language = language_of(request)
    known = str(values.get("area_code") or (volunteer.area_code if volunteer else ""))
    district = known[:4] if len(known) >= 4 else ""
    subdistricts = []
    if district:
        subdistricts, _cursor = await areas_service.list_areas(
            session, parent=district, query=None, limit=100, cursor=None
        )
    names = await views.area_names(session, {volunteer.area_code} if volunteer else set())
    verified = volunteer is not None and volunteer.is_verified
    return render(
        request,
        "accounts/volunteer.html",
        status_code=status_code,
        user=user,
        volunteer=volunteer,
        form=values,
        errors=errors or {},
        kinds=views.KIND_LABELS,
        vehicles=views.VEHICLE_LABELS,
        radii=RADIUS_CHOICES,
        subdistricts=subdistricts,
        district=district,
        place=views.place(volunteer.area_code, names, language) if volunteer else "",
        verified_on=format_date(volunteer.verified_at, language) if verified else "",
        follows_village=own_village(volunteer),
        flash=views.pop_flash(request, language),
    )


@router.get("/volunteer", response_class=HTMLResponse)
async def volunteer_profile(request: Request, user: OptionalUser, session: SessionDep):
    """Show the volunteer registration form, or one's profile with its verification status."""
    if user is None:
        return views.sign_in_first(request)
    policy.require(user, Action.REGISTER_VOLUNTEER)
    volunteer = await volunteers_service.get_for_user(session, user=user)
    return await _profile_page(
        request, session, user=user, volunteer=volunteer, values=_form_of(volunteer, user)
    )


@router.post("/volunteer", response_class=HTMLResponse)
async def save_volunteer_profile(request: Request, user: OptionalUser, session: WriteSessionDep):
    """Register as a volunteer or update one's profile; the form is kept when it is wrong."""
    if user is None:
        return views.sign_in_first(request)
    policy.require(user, Action.REGISTER_VOLUNTEER)
    language = language_of(request)
    values = _read_form(await request.form())
    problems: list[FieldError] = []
    try:
        volunteer_in = VolunteerSave.model_validate(_profile_in(values))
    except ValidationError as invalid:
        problems = field_errors(invalid, labels=FIELD_LABELS)
    errors = _form_errors(values, problems, user, language)
    if not errors:
        try:
            await volunteers_service.save_profile(
                session,
                user=user,
                volunteer_in=volunteer_in,
                refresh_seconds=request.app.state.settings.boundary_refresh_seconds,
                client_ip=client_ip(request),
            )
        except DomainError as error:
            await session.rollback()
            await session.refresh(user)  # the rollback expired it
            errors = {
                "home" if e.field in PIN_FIELDS else e.field: [
                    e.message_th if language == "th" else e.message
                ]
                for e in error.errors
            } or {"form": [error_text(error, language)]}
    if errors:
        volunteer = await volunteers_service.get_for_user(session, user=user)
        return await _profile_page(
            request,
            session,
            user=user,
            volunteer=volunteer,
            values=values,
            errors=errors,
            status_code=422,
        )
    views.flash(request, "Your volunteer profile is saved.")
    return views.go_to("/volunteer")


@router.get(QUEUE, response_class=HTMLResponse)
async def verification_queue(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query()] = None,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
):
    """List the volunteers of the coordinator's area who wait for verification."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    scope = policy.scope_for_listing(user, Action.LIST_VOLUNTEERS, area)
    volunteers, next_cursor = await volunteers_service.list_volunteers(
        session,
        reader=user,
        client_ip=client_ip(request),
        area_prefix=scope,
        verified=False,
        limit=QUEUE_PAGE_SIZE,
        cursor=cursor,
        waiting_only=True,
    )
    language = language_of(request)
    names = await views.area_names(session, {v.area_code for v in volunteers} | {scope or ""})
    here = QUEUE + (f"?area={area}" if area else "")
    return render(
        request,
        "accounts/queue.html",
        user=user,
        volunteers=volunteers,
        scope_name=views.place(scope, names, language),
        place=lambda code: views.place(code, names, language),
        registered=lambda volunteer: format_date(volunteer.created_at, language),
        phone_for_display=views.phone_for_display,
        kinds=views.KIND_LABELS,
        vehicles=views.VEHICLE_LABELS,
        refusals=views.REFUSAL_LABELS,
        here=here,
        next_page=f"{here}{'&' if area else '?'}cursor={next_cursor}" if next_cursor else "",
        flash=views.pop_flash(request, language),
    )


@router.post(QUEUE + "/{volunteer_id}/verify")
async def verify_volunteer(
    request: Request,
    volunteer_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    user: OptionalUser,
    session: WriteSessionDep,
):
    """Verify a volunteer of the coordinator's area, then go back to the queue."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    back = views.safe_next(str((await request.form()).get("back", "")), QUEUE)
    volunteer = await volunteers_service.get_or_raise(session, volunteer_id=volunteer_id)
    policy.require(user, Action.VERIFY_VOLUNTEER, area_code=volunteer.area_code)
    name = volunteer.user.display_name or views.phone_for_display(volunteer.user.phone)
    try:
        await volunteer_verification.verify(
            session, volunteer=volunteer, coordinator=user, client_ip=client_ip(request)
        )
    except Conflict:
        views.flash(request, "{name} was already verified.", name=name)
    else:
        views.flash(request, "{name} is verified.", name=name)
    return views.go_to(back)


@router.post(QUEUE + "/{volunteer_id}/refuse")
async def refuse_volunteer(
    request: Request,
    volunteer_id: Annotated[int, Path(ge=1, le=MAX_ROW_ID)],
    user: OptionalUser,
    session: WriteSessionDep,
):
    """Decline to verify a volunteer of the coordinator's area, for a reason; back to the queue."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    form = await request.form()
    back = views.safe_next(str(form.get("back", "")), QUEUE)
    volunteer = await volunteers_service.get_or_raise(session, volunteer_id=volunteer_id)
    policy.require(user, Action.VERIFY_VOLUNTEER, area_code=volunteer.area_code)
    try:
        reason = RefusalReason(str(form.get("reason", "")))
    except ValueError:
        raise invalid_field("reason", "Choose why this volunteer is not verified.") from None
    await volunteer_verification.refuse(
        session,
        volunteer=volunteer,
        coordinator=user,
        reason=reason,
        client_ip=client_ip(request),
    )
    name = volunteer.user.display_name or views.phone_for_display(volunteer.user.phone)
    views.flash(request, "{name} was not verified.", name=name)
    return views.go_to(back)
