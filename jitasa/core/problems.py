"""Render every failure as RFC 9457 problem+json (API) or a friendly page (web); never a trace."""

from http import HTTPStatus

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from starlette.exceptions import HTTPException as StarletteHTTPException

from jitasa.core.db_errors import missing_schema, unique_violation
from jitasa.core.errors import (
    Busy,
    Conflict,
    DomainError,
    FieldError,
    NotReady,
    TooManyRequests,
)
from jitasa.core.i18n import thai
from jitasa.core.validation import field_errors, invalid_input

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"

HTTP_MESSAGES = {
    404: ("Not found", "There is nothing at this address."),
    405: ("Method not allowed", "This address does not accept that method."),
    413: ("Too large", "The request is larger than this address accepts."),
}


def wants_html(request: Request) -> bool:
    """Tell whether the client is a browser asking for a page rather than the API."""
    if request.url.path.startswith(("/api/", "/healthz", "/readyz", "/metrics")):
        return False
    return "text/html" in request.headers.get("accept", "")


def render(request: Request, error: DomainError) -> Response:
    """Render a domain error for this client."""
    headers = {}
    if isinstance(error, TooManyRequests | Busy) and "retry_after" in error.params:
        headers["Retry-After"] = str(error.params["retry_after"])
    if wants_html(request) and getattr(request.app.state, "render_error_page", None):
        return request.app.state.render_error_page(request, error, headers)
    return JSONResponse(
        error.problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Install the handlers that turn every exception into a problem document."""

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> Response:
        return render(request, error)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, error: RequestValidationError) -> Response:
        return render(request, invalid_input(field_errors(list(error.errors()))))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        status = HTTPStatus(error.status_code)
        title, message = HTTP_MESSAGES.get(status.value, (status.phrase, status.phrase))
        problem = DomainError(f"http.{status.value}", message)
        problem.status, problem.title = status.value, title
        return render(request, problem)

    @app.exception_handler(OperationalError)
    async def on_database_busy(request: Request, error: OperationalError) -> Response:
        if missing_schema(error):
            return render(request, not_ready(request, error))
        # SQLite's lock wait ran out, or PostgreSQL is unreachable or broke a deadlock: nothing
        # was written (the transaction rolled back), so the client may simply try again.
        log.warning("database_busy", path=request.url.path, error=str(error.orig))
        message = "The service is busy; nothing was saved. Please try again in a moment."
        return render(request, Busy("server.busy", message, {"retry_after": 1}))

    @app.exception_handler(ProgrammingError)
    async def on_database_mismatch(request: Request, error: ProgrammingError) -> Response:
        if missing_schema(error):
            return render(request, not_ready(request, error))
        return unexpected(request)

    @app.exception_handler(IntegrityError)
    async def on_integrity_error(request: Request, error: IntegrityError) -> Response:
        taken = already_taken(error)
        return render(request, taken) if taken else unexpected(request)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, error: Exception) -> Response:
        return unexpected(request)


def not_ready(request: Request, error: Exception) -> NotReady:
    """Say the database lacks this version's schema: an operator must run `jitasa db upgrade`."""
    log.error("database_not_migrated", path=request.url.path, error=str(error))
    return NotReady(
        "server.not_ready",
        "The service is not ready: its database has not been upgraded yet.",
    )


def already_taken(error: IntegrityError) -> Conflict | None:
    """Turn a broken unique rule (two writers at once, say) into a 409 naming the field."""
    violated = unique_violation(error)
    if violated is None:
        return None
    table, columns = violated
    field = ", ".join(columns)
    message = "Another record already has this {field}; reload and try again."
    return Conflict(
        f"{table}.{'_'.join(columns)}_taken",
        message,
        {"field": field},
        [FieldError(field, message.format(field=field), thai(message, field=field))],
    )


def unexpected(request: Request) -> Response:
    """Answer a failure nobody foresaw with a 500 that shows no internals."""
    log.exception("unhandled_error", path=request.url.path)
    problem = DomainError("server.error", "Something went wrong on our side; please try again.")
    problem.status, problem.title = 500, "Internal server error"
    return render(request, problem)
