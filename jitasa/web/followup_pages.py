"""The อสม.'s follow-up page: their village's 608 residents missing a dose, nearest first, each
dose recorded in two taps, kept on the phone and sent again when the connection returns."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser
from jitasa.areas import service as areas_service
from jitasa.core.db import SessionDep
from jitasa.vaccination import followups
from jitasa.vaccination.doses import FIRST_VACCINATION, today
from jitasa.vaccination.followups import COURSE_DOSES
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers.models import Volunteer
from jitasa.web.account_views import sign_in_first
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
VACCINES = ("Pfizer", "Moderna", "AstraZeneca", "Sinovac", "Sinopharm")
STAFF_VILLAGES = 200


def own_village(volunteer: Volunteer | None) -> str | None:
    """Return the village (8-digit code) an อสม. follows up, else None (no profile, another
    kind of volunteer, or an area larger than a village)."""
    if volunteer is None or volunteer.kind != "vhv" or len(volunteer.area_code) != 8:
        return None
    return volunteer.area_code


async def _staff_villages(session, user) -> list[dict]:
    """Return up to `STAFF_VILLAGES` villages of a staff member's area that have a register:
    [{village_code, name_th}]; none for staff of the whole country (no area)."""
    if not user.area_code:
        return []
    figures = await followups.summaries(session, area_code=user.area_code)
    return figures["villages"][:STAFF_VILLAGES]


@router.get("/volunteer/followups", response_class=HTMLResponse)
async def followups_page(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[str | None, Query(pattern=r"^\d{8}$")] = None,
) -> Response:
    """Show the follow-up list of a village (default: the อสม.'s own); the list itself comes
    from `GET /api/v1/vaccination/followups`, which checks who may see it and logs the read.
    Area staff without `area` are offered the villages of their area that have a register."""
    if user is None:  # like every page for signed-in people: sign in, then come back
        return sign_in_first(request)
    volunteer = await volunteers_service.get_for_user(session, user=user)
    home = {"lat": volunteer.home_lat, "lon": volunteer.home_lon} if volunteer else None
    village = area or own_village(volunteer)
    staff = policy.is_staff(user)
    place = village or ""
    if village:
        names = await areas_service.names(session, codes={village, village[:6], village[:4]})
        english = language_of(request) == "en"
        parts = [
            names.get(c, (c, c))[1 if english else 0] for c in (village, village[:6], village[:4])
        ]
        place = ", ".join(parts) if english else f"{parts[0]} ต.{parts[1]} อ.{parts[2]}"
    return render(
        request,
        "vaccination/followups.html",
        user=user,
        village=village,
        place=place,
        staff=staff,
        villages=await _staff_villages(session, user) if staff and not village else [],
        home=home,
        vaccines=VACCINES,
        last_day=today().isoformat(),
        first_day=FIRST_VACCINATION.isoformat(),
        course=COURSE_DOSES,
    )
