"""The application: routers, middleware, error handlers, static files and templates."""

import asyncio
from contextlib import asynccontextmanager, suppress

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from jitasa import __version__, api_docs, jobs
from jitasa.accounts.router import router as accounts_router
from jitasa.accounts.signin.router import router as signin_router
from jitasa.accounts.signin.throttle import throttle_for
from jitasa.areas.router import router as areas_router
from jitasa.audit.router import router as audit_router
from jitasa.clusters import follow as map_index
from jitasa.core import problems
from jitasa.core.body_limit import BodyLimit
from jitasa.core.config import Settings, get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.deferred import DeferredWrites
from jitasa.core.observability import RequestObserver, configure_logging
from jitasa.core.security import SESSION_COOKIE, SecurityHeaders, check_csrf
from jitasa.core.shared_commits import SharedCommits
from jitasa.core.text_input import NormalizeUrlInput, refuse_unstorable_text
from jitasa.dashboard.router import router as dashboard_router
from jitasa.exports.router import router as exports_router
from jitasa.facilities.router import router as facilities_router
from jitasa.health import router as health_router
from jitasa.help_requests.desk_router import router as desk_router
from jitasa.help_requests.router import router as help_requests_router
from jitasa.help_requests.transport_router import router as transport_router
from jitasa.imports.router import router as imports_router
from jitasa.incidents.router import router as incidents_router
from jitasa.map import cache as map_cache
from jitasa.map import registry as map_registry
from jitasa.map.repeats import MapRepeats
from jitasa.map.router import router as map_router
from jitasa.notifications.channels import channel_for
from jitasa.notifications.router import router as notifications_router
from jitasa.notifications.webhook import router as line_webhook_router
from jitasa.realtime.dispatcher import live_updates
from jitasa.realtime.hub import hub_for
from jitasa.realtime.router import StreamSlots
from jitasa.realtime.router import router as realtime_router
from jitasa.triggers.router import router as request_notifications_router
from jitasa.vaccination.followup_router import router as vaccination_followup_router
from jitasa.vaccination.router import router as vaccination_router
from jitasa.volunteers.router import router as volunteers_router
from jitasa.web import pages


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Jitasa web application for the given (or configured) settings."""
    settings = settings or get_settings()
    configure_logging(settings)
    engine = create_engine(settings)

    @asynccontextmanager
    async def lifespan(application: FastAPI):
        runner = None
        if settings.jobs_interval_seconds > 0:
            runner = asyncio.create_task(
                jobs.run_forever(application.state.session_factory, settings=settings),
                name="jitasa-jobs",
            )
        try:
            async with (
                live_updates(
                    application.state.hub,
                    application.state.session_factory,
                    application.state.read_session_factory,
                    dispatch=settings.dispatch_events,
                ),
                map_cache.watching(
                    application.state.map_cache, application.state.read_session_factory
                ),
                map_index.following(
                    application.state.map_index,
                    application.state.session_factory,
                    application.state.read_session_factory,
                ),
            ):
                yield
        finally:
            if runner is not None:
                runner.cancel()
                with suppress(asyncio.CancelledError):
                    await runner
            await application.state.throttle.aclose()
            await application.state.message_sender.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Jitasa API",
        version=__version__,
        description="Help map for Thailand: requests, volunteers, facilities and areas.",
        lifespan=lifespan,
        docs_url=None,  # served by api_docs, from a package and only where settings say
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(check_csrf), Depends(refuse_unstorable_text)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.read_session_factory = create_session_factory(engine, mode="read")
    # A burst of creates shares its commits (`core.shared_commits`, `docs/performance.md`).
    app.state.shared_commits = SharedCommits(
        app.state.session_factory, share=settings.shared_commits
    )
    app.state.throttle = throttle_for(settings, app.state.session_factory)
    app.state.message_sender = channel_for(settings)
    app.state.hub = hub_for(settings)
    app.state.map_cache = map_cache.AnswerCache()
    app.state.hub.listen(app.state.map_cache.on_event)
    app.state.map_index = map_index.Follower(map_registry.index_widths)
    app.state.map_index.changed.append(app.state.map_cache.forget)
    app.state.stream_slots = StreamSlots()
    problems.install(app)
    # A map URL answered before is sent again before routing (`jitasa.map.repeats`).
    app.add_middleware(MapRepeats, cache=app.state.map_cache)
    app.add_middleware(problems.AnswerUnexpected)  # innermost: inside the headers below
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_days * 24 * 3600,
        same_site="lax",
        https_only=settings.cookies_are_secure,
    )
    app.add_middleware(NormalizeUrlInput)
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, settings=settings)
    app.add_middleware(RequestObserver)
    # Outermost, so that the writes reads leave are made once the answer has gone out.
    app.add_middleware(DeferredWrites)
    if settings.trusted_proxies:
        # Before anything reads the client's address: only these proxies may name another.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    # The map first: the busiest public route is matched before every other one is tried.
    app.include_router(map_router)
    app.include_router(health_router)
    app.include_router(accounts_router)
    app.include_router(signin_router)
    app.include_router(areas_router)
    app.include_router(dashboard_router)
    app.include_router(audit_router)
    app.include_router(incidents_router)
    app.include_router(help_requests_router)
    app.include_router(desk_router)
    app.include_router(transport_router)
    app.include_router(vaccination_followup_router)
    app.include_router(vaccination_router)
    app.include_router(facilities_router)
    app.include_router(volunteers_router)
    app.include_router(exports_router)
    app.include_router(imports_router)
    app.include_router(realtime_router)
    app.include_router(notifications_router)
    app.include_router(line_webhook_router)
    app.include_router(request_notifications_router)
    pages.install(app)
    api_docs.install(app, settings)
    return app
