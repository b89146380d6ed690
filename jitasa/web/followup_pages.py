"""The อสม.'s follow-up page: their village's 608 residents missing a dose, nearest first, each
dose recorded in two taps, kept on the phone and sent again when the connection returns."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jitasa.accounts.deps import OptionalUser
from jitasa.areas import service as areas_service
from jitasa.core.db import SessionDep
from jitasa.core.errors import Unauthorized
from jitasa.vaccination.doses import FIRST_VACCINATION, today
from jitasa.vaccination.followups import COURSE_DOSES
from jitasa.volunteers import service as volunteers_service
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
VACCINES = ("Pfizer", "Moderna", "AstraZeneca", "Sinovac", "Sinopharm")


@router.get("/volunteer/followups", response_class=HTMLResponse)
async def followups_page(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[str | None, Query(pattern=r"^\d{8}$")] = None,
) -> Response:
    """Show the follow-up list of a village (default: the อสม.'s own); the list itself comes
    from `GET /api/v1/vaccination/followups`, which checks who may see it and logs the read."""
    if user is None:
        raise Unauthorized("auth.required", "Please sign in first.")
    volunteer = await volunteers_service.get_for_user(session, user=user)
    own = volunteer.area_code if volunteer and len(volunteer.area_code) == 8 else None
    home = {"lat": volunteer.home_lat, "lon": volunteer.home_lon} if volunteer else None
    village = area or own
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
        home=home,
        vaccines=VACCINES,
        today=today().isoformat(),
        first_day=FIRST_VACCINATION.isoformat(),
        course=COURSE_DOSES,
    )
