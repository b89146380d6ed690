"""Server-rendered pages (Thai first, English switch) and the static files they use."""

from datetime import datetime
from pathlib import Path

import xstatic.pkg.leaflet
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.gzip import GZipMiddleware

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


def render(request: Request, template: str, status_code: int = 200, **context) -> Response:
    """Render a page in the visitor's language and remember an explicit language choice."""
    language = language_of(request)
    settings = request.app.state.settings
    response = templates.TemplateResponse(
        request,
        template,
        {
            "lang": language,
            "other_lang": "en" if language == "th" else "th",
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


def install(app: FastAPI) -> None:
    """Add the pages, static files and the error page renderer to the application."""
    # Static files go out compressed without a proxy's help: Leaflet alone is 147 KB raw and
    # 42 KB gzipped, and the map page's first load must stay within 200 KB.
    leaflet = StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR)
    app.mount("/static/vendor/leaflet", GZipMiddleware(leaflet), name="leaflet")
    app.mount("/static", GZipMiddleware(StaticFiles(directory=WEB_DIR / "static")), name="static")
    # They import this module's render().
    from jitasa.web import account_pages, map_page, request_pages

    app.include_router(map_page.router)
    app.include_router(request_pages.router)
    app.include_router(account_pages.router)
    app.state.render_error_page = render_error_page
