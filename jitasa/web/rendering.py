"""Rendering a page: its language (Thai first, English switch), its hotlines, its template,
its error page."""

import math
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import structlog
from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError

from jitasa import __version__
from jitasa.core.db import transaction
from jitasa.core.errors import DomainError, TooManyRequests
from jitasa.core.field_names import thai_field
from jitasa.core.i18n import LANGUAGES, translate
from jitasa.core.security import csrf_token
from jitasa.core.thai import BANGKOK, format_date
from jitasa.incidents import hotlines as incident_hotlines
from jitasa.incidents import service as incidents_service

log = structlog.get_logger(__name__)

WEB_DIR = Path(__file__).parent
LANGUAGE_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

templates = Jinja2Templates(directory=WEB_DIR / "templates")


def language_of(request: Request) -> str:
    """Pick the page language: `?lang=`, then the visitor's cookie, then the default."""
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    return request.app.state.settings.default_language


async def load_hotlines(request: Request) -> None:
    """Read the active incidents' hotlines for the page, in a short read of their own.

    Every page shows them, error and throttle pages too, so they are read before the route
    runs. The process keeps the last ones read for the pages no route serves (a 404) and for
    when the database cannot be read; before any, a page shows 1669, 191 and 199.
    """
    try:
        async with transaction(request.app.state.read_session_factory) as session:
            lines = await incidents_service.active_hotlines(session)
        request.state.hotlines = request.app.state.hotlines = lines
    except SQLAlchemyError as error:
        log.warning("hotlines_unreadable", path=request.url.path, error=str(error))


def hotlines_for(request: Request, language: str) -> list[tuple[str, str]]:
    """Return the page's hotlines as (number, what it is for) in the page language."""
    lines = (
        getattr(request.state, "hotlines", None)
        or getattr(request.app.state, "hotlines", None)
        or incident_hotlines.ALWAYS
    )
    return [(line["number"], line["name_th" if language == "th" else "name_en"]) for line in lines]


# Query parameters a page reads by hand rather than declaring them.
READ_BY_HAND = {"created"}
# Exact points a page reads but never echoes back (the pin-oracle scan holds every page to it).
NOT_ECHOED = {"near", "lat", "lon"}


def language_switch_url(request: Request, language: str) -> str:
    """Return this page's address in another language, keeping the parameters the page reads
    (`next` of the sign-in pages…); other ones are not echoed back into the page."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    read = ({p.alias for p in getattr(dependant, "query_params", ())} | READ_BY_HAND) - NOT_ECHOED
    kept = [(k, v) for k, v in request.query_params.multi_items() if k in read]
    return f"{request.url.path}?{urlencode([*kept, ('lang', language)])}"


def render(request: Request, template: str, status_code: int = 200, **context) -> Response:
    """Render a page in the visitor's language and remember an explicit language choice.

    Raises TypeError when `context` names one of the values every page has (`today`, the
    header's date in the visitor's language; `lang`…): a page's own would replace it."""
    language = language_of(request)
    other = "en" if language == "th" else "th"
    settings = request.app.state.settings
    shared = {
        "lang": language,
        "other_lang": other,
        "language_switch_url": language_switch_url(request, other),
        "_": lambda message, **params: translate(message, language, **params),
        "today": format_date(datetime.now(BANGKOK).date(), language),
        "version": __version__,
        "csrf_token": csrf_token(request),
        "hotlines": hotlines_for(request, language),
        "settings": settings,
    }
    hidden = shared.keys() & context.keys()
    if hidden:  # a page's own value would replace the header's (an ISO "today" in it)
        raise TypeError(f"{template}: context names {sorted(hidden)} belong to every page")
    response = templates.TemplateResponse(
        request, template, {**shared, **context}, status_code=status_code
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR, samesite="lax")
    return response


# Labels of the fields a page's address or form can get wrong, so that an error page never
# shows a code name such as request_id (English message ids).
FIELD_LABELS = {
    "request_id": "Request number",
    "volunteer_id": "Volunteer number",
    "user_id": "Account number",
    "code": "Code",
    "phone": "Mobile phone number",
    "next": "Page to return to",
    "lang": "Language",
    "lat": "Location",
    "lon": "Location",
    "area_code": "Area",
    "radius_km": "Distance",
    "status": "Status",
    "category": "Kind of help",
    "urgency": "Urgency",
    "body": "Form",
    "date": "Date",
    "area": "Area",
}
TOO_MANY = (
    "You tried too many times in a short time. Try again in about {minutes} minutes. "
    "If someone is in danger, call 1669 now: calling needs no sign-in."
)


def error_text(error: DomainError, language: str) -> str:
    """Explain an error in the page language, saying what the person can do now."""
    if isinstance(error, TooManyRequests):
        minutes = max(1, math.ceil(int(error.params.get("retry_after", 60)) / 60))
        return translate(TOO_MANY, language, minutes=minutes)
    return error.detail_th if language == "th" else error.detail


def named(message: str, field: str, label: str) -> str:
    """Return a field error's message naming the field by `label`, whether the message named
    it by its key (English) or by its Thai words (`core.field_names.thai_field`)."""
    return message.replace(field, label).replace(thai_field(field), label)


def field_problems(error: DomainError, language: str) -> list[tuple[str, str]]:
    """Return each field error as (label, message), naming the field by its label."""
    problems = []
    for problem in error.errors:
        name = problem.field.partition(".")[0]
        if name in FIELD_LABELS:
            label = translate(FIELD_LABELS[name], language)
        else:  # named by the field's own words, never by "Form" (which told nothing)
            label = thai_field(name) if language == "th" else name
        message = problem.message_th if language == "th" else problem.message
        problems.append((label, named(message, problem.field, label)))
    return problems


def render_error_page(request: Request, error: DomainError, headers: dict[str, str]) -> Response:
    """Show a domain error as a friendly page in the visitor's language."""
    language = language_of(request)
    response = render(
        request,
        "error.html",
        status_code=error.status,
        error=error,
        explanation=translate("Some of what was sent is not right:", language)
        if error.errors
        else error_text(error, language),
        problems=field_problems(error, language),
    )
    response.headers.update(headers)
    return response
