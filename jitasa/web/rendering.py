"""Rendering a page: its language (Thai first, English switch), its template, its error page."""

from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from jitasa import __version__
from jitasa.core.errors import DomainError
from jitasa.core.i18n import LANGUAGES, translate
from jitasa.core.security import csrf_token
from jitasa.core.thai import BANGKOK, format_date

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


# Query parameters a page reads by hand rather than declaring them.
READ_BY_HAND = {"created"}


def language_switch_url(request: Request, language: str) -> str:
    """Return this page's address in another language, keeping the parameters the page reads
    (`next` of the sign-in pages…); other ones are not echoed back into the page."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    read = {p.alias for p in getattr(dependant, "query_params", ())} | READ_BY_HAND
    kept = [(k, v) for k, v in request.query_params.multi_items() if k in read]
    return f"{request.url.path}?{urlencode([*kept, ('lang', language)])}"


def render(request: Request, template: str, status_code: int = 200, **context) -> Response:
    """Render a page in the visitor's language and remember an explicit language choice."""
    language = language_of(request)
    other = "en" if language == "th" else "th"
    settings = request.app.state.settings
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "other_lang": other,
            "language_switch_url": language_switch_url(request, other),
            "_": lambda message, **params: translate(message, language, **params),
            "today": format_date(datetime.now(BANGKOK).date(), language),
            "version": __version__,
            "csrf_token": csrf_token(request),
            "settings": settings,
            **context,
        },
        status_code=status_code,
    )
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=ONE_YEAR, samesite="lax")
    return response


def render_error_page(request: Request, error: DomainError, headers: dict[str, str]) -> Response:
    """Show a domain error as a friendly page in the visitor's language."""
    response = render(request, "error.html", status_code=error.status, error=error)
    response.headers.update(headers)
    return response
