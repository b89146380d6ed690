"""The residents page of area staff: a village's register (national IDs masked, 608 flags,
doses) with a form to add a resident and the อสม. who look after it, or the register's figures
per village of a larger area. Reads are audit-logged as the API's are."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser, client_ip
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.areas import service as areas_service
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.core.errors import DomainError, invalid_field
from jitasa.core.fields import MAX_ROW_ID, AreaCode
from jitasa.core.thai import to_arabic_digits
from jitasa.core.validation import field_errors
from jitasa.dashboard import scope
from jitasa.vaccination import followups, residents
from jitasa.vaccination.schemas import ResidentCreate
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers import villages
from jitasa.web import account_views as views
from jitasa.web.desk_views import area_choices, top_of
from jitasa.web.rendering import error_text, language_of, render

router = APIRouter(include_in_schema=False)
PAGE = "/vaccination/residents"
TEXT_FIELDS = ("household", "name", "birth_year", "sex", "phone", "national_id")
FIELD_LABELS = {
    "household": "House number",
    "name": "Name",
    "birth_year": "Birth year",
    "sex": "Sex",
    "phone": "Phone number",
    "national_id": "National ID number",
}
BAD_VOLUNTEER = "Choose an อสม. from the list."
NO_VILLAGE = "Choose a village first."


def _resident_in(form, village: str) -> dict[str, object]:
    """Shape the posted form as a ResidentCreate of the village (Thai digits read as digits)."""
    text = {f: to_arabic_digits(str(form.get(f, ""))).strip() for f in TEXT_FIELDS}
    return {
        **{f: v for f, v in text.items() if v or f != "phone"},
        "subdistrict_code": village[:6],
        "village_number": village[6:],
        "chronic_disease": "chronic_disease" in form,
        "pregnant": "pregnant" in form,
    }


def village_name(code: str, names: dict[str, tuple[str, str]], language: str) -> str:
    """Name a village with its subdistrict, most precise first: "หมู่ที่ 3 ต.ศรีภูมิ อ.…"."""
    where = views.place(code[:6], names, language)
    if language == "th":
        return f"หมู่ที่ {int(code[6:])} {where}"
    return f"Village {int(code[6:])}, {where}"


async def _village(session: AsyncSession, user: User, code: str) -> str:
    """Return a village code whose subdistrict exists when the user is staff covering it."""
    if code.endswith("00"):
        raise invalid_field("village_code", NO_VILLAGE)
    await areas_service.get_or_raise(session, code=code[:6])
    policy.require_staff(user)
    policy.require(user, Action.FOLLOW_UP_VILLAGE, area_code=code)
    return code


async def _page(
    request: Request,
    session: AsyncSession,
    *,
    user: User,
    area: str | None,
    form: dict | None = None,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
) -> Response:
    """Render a village's register, or the figures per village of a larger area."""
    language = language_of(request)
    village = area if area and len(area) == 8 else None
    listed, vhvs = [], []
    if village:
        listed = await residents.in_village(
            session, village_code=village, actor_id=user.id, client_ip=client_ip(request)
        )
        vhvs = await villages.vhvs_near(session, village_code=village)
    shown = village[:6] if village else area
    figures = await followups.summaries(session, area_code=shown or "")
    names = await views.area_names(session, {area or "", *(v.area_code for v in vhvs)})
    return render(
        request,
        "vaccination/residents.html",
        status_code=status_code,
        user=user,
        area=area,
        village=village,
        areas=await area_choices(session, top=top_of(user), area=shown, language=language),
        place=lambda code: views.place(code, names, language),
        village_name=lambda code: village_name(code, names, language),
        residents=listed,
        figures=figures,
        vhvs=vhvs,
        form=form or {"birth_year": "", "sex": ""},
        errors=errors or {},
        flash=views.pop_flash(request, language),
    )


@router.get(PAGE, response_class=HTMLResponse)
async def residents_page(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query()] = None,
) -> Response:
    """Show a village's residents (area staff; the read is audit-logged), or for a larger area
    the register's figures per village."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    if area and len(area) == 8:
        await _village(session, user, area)
    else:
        policy.require_staff(user)
        area = await scope.area_of(
            session, user=user, area=area, action=Action.READ_REGISTER_FIGURES
        )
    return await _page(request, session, user=user, area=area)


@router.post(PAGE, response_class=HTMLResponse)
async def add_resident(request: Request, user: OptionalUser, session: WriteSessionDep):
    """Add a resident to the village with `POST /api/v1/vaccination/residents`'s checks; the
    form is kept, with what is wrong, when it is refused."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    form = await request.form()
    village = str(form.get("village_code", ""))
    if not (len(village) == 8 and village.isascii() and village.isdigit()):
        raise invalid_field("village_code", NO_VILLAGE)
    await _village(session, user, village)
    language = language_of(request)
    values = _resident_in(form, village)
    try:
        resident_in = ResidentCreate.model_validate(values, strict=False)
        await residents.add(session, resident_in=resident_in, actor_id=user.id)
    except ValidationError as invalid:
        errors = views.field_messages(field_errors(invalid, labels=FIELD_LABELS), language)
    except DomainError as error:
        await session.rollback()
        await session.refresh(user)  # the rollback expired it
        errors = {
            e.field: [e.message_th if language == "th" else e.message] for e in error.errors
        } or {"form": [error_text(error, language)]}
    else:
        views.flash(request, "{name} is added to the register.", name=resident_in.name)
        return views.go_to(f"{PAGE}?area={village}")
    return await _page(
        request,
        session,
        user=user,
        area=village,
        form={**values, **{f: form.get(f, "") for f in TEXT_FIELDS}},
        errors=errors,
        status_code=422,
    )


@router.post(PAGE + "/vhv", response_class=HTMLResponse)
async def set_vhv_village(request: Request, user: OptionalUser, session: WriteSessionDep):
    """Make an อสม. of the subdistrict the volunteer of this village (`volunteers.villages`)."""
    if user is None:
        return views.sign_in_first(request, staff=True)
    form = await request.form()
    village = str(form.get("village_code", ""))
    if not (len(village) == 8 and village.isascii() and village.isdigit()):
        raise invalid_field("village_code", NO_VILLAGE)
    await _village(session, user, village)
    chosen = str(form.get("volunteer_id", ""))
    if not (chosen.isascii() and chosen.isdigit() and 1 <= int(chosen) <= MAX_ROW_ID):
        raise invalid_field("volunteer_id", BAD_VOLUNTEER)
    volunteer = await volunteers_service.get_or_raise(session, volunteer_id=int(chosen))
    policy.require(user, Action.SET_VILLAGE, area_code=volunteer.area_code)
    await villages.set_village(
        session,
        volunteer=volunteer,
        village_code=village,
        coordinator=user,
        client_ip=client_ip(request),
    )
    name = volunteer.user.display_name or views.phone_for_display(volunteer.user.phone)
    views.flash(request, "{name} now looks after this village.", name=name)
    return views.go_to(f"{PAGE}?area={village}")
