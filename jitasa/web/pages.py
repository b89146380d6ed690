"""Server-rendered pages (Thai first, English switch) and the static files they use.

The page modules render through `rendering.py`; only this module gathers them, so imports
point one way: pages → *_pages → rendering.
"""

import xstatic.pkg.leaflet
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from jitasa.web import (
    account_pages,
    dashboard_pages,
    desk_pages,
    facility_pages,
    followup_pages,
    import_pages,
    map_page,
    notification_pages,
    request_pages,
    resident_pages,
    vaccination_pages,
    volunteer_pages,
)
from jitasa.web.rendering import WEB_DIR, load_hotlines, render_error_page


def install(app: FastAPI) -> None:
    """Add the pages, static files and the error page renderer to the application."""
    # Static files go out compressed without a proxy's help: Leaflet alone is 147 KB raw and
    # 42 KB gzipped, and the map page's first load must stay within 200 KB.
    leaflet = StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR)
    app.mount("/static/vendor/leaflet", GZipMiddleware(leaflet), name="leaflet")
    app.mount("/static", GZipMiddleware(StaticFiles(directory=WEB_DIR / "static")), name="static")
    # Every page shows the numbers to call, so each reads them before its route runs.
    hotlines = [Depends(load_hotlines)]
    app.include_router(map_page.router, dependencies=hotlines)
    app.include_router(request_pages.router, dependencies=hotlines)
    app.include_router(account_pages.router, dependencies=hotlines)
    app.include_router(volunteer_pages.router, dependencies=hotlines)
    app.include_router(facility_pages.router, dependencies=hotlines)
    app.include_router(notification_pages.router, dependencies=hotlines)
    app.include_router(desk_pages.router, dependencies=hotlines)
    app.include_router(dashboard_pages.router, dependencies=hotlines)
    app.include_router(followup_pages.router, dependencies=hotlines)
    app.include_router(vaccination_pages.router, dependencies=hotlines)
    app.include_router(resident_pages.router, dependencies=hotlines)
    app.include_router(import_pages.router, dependencies=hotlines)
    app.state.render_error_page = render_error_page
