"""Render every failure as RFC 9457 problem+json (API) or a friendly page (web); never a trace."""

from http import HTTPStatus

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jitasa.core.db_errors import missing_schema, unique_violation
from jitasa.core.errors import (
    Busy,
    Conflict,
    DomainError,
    FieldError,
    NotReady,
    TooManyRequests,
)
from jitasa.core.field_names import join_th, thai_field
from jitasa.core.i18n import thai
from jitasa.core.validation import field_errors, invalid_input

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
# nginx's "client closed request": the status logged for a client that left mid-request.
CLIENT_CLOSED_REQUEST = 499

# Every status the framework or the server may raise by itself, in words a person can act on
# (each title and message is in locales/th.po); any other 4xx reads as the first.
HTTP_MESSAGES = {
    400: ("Bad request", "The request could not be read; check what was sent."),
    401: ("Not signed in", "Please sign in first."),
    403: ("Forbidden", "You may not do this."),
    404: ("Not found", "There is nothing at this address."),
    405: ("Method not allowed", "This address does not accept that method."),
    406: ("Not acceptable", "This address cannot answer in the form asked for."),
    408: ("Request timeout", "The request took too long to arrive; please send it again."),
    409: ("Conflict", "This conflicts with the current state; reload and try again."),
    411: ("Length required", "The request must say how long its body is."),
    413: ("Too large", "The request is larger than this address accepts."),
    414: ("Address too long", "The address asked for is too long."),
    415: ("Unsupported media type", "This address does not accept that kind of content."),
    422: ("Invalid input", "The request could not be read; check what was sent."),
    429: ("Too many requests", "Too many requests; please wait a moment and try again."),
}


def wants_html(request: Request) -> bool:
    """Tell whether the client is a browser asking for a page rather than the API."""
    if request.url.path.startswith(("/api/", "/healthz", "/readyz", "/metrics")):
        return False
    return "text/html" in request.headers.get("accept", "")


def render(request: Request, error: DomainError, headers: dict[str, str] | None = None) -> Response:
    """Render a domain error for this client, with any headers it needs (`Allow` on a 405)."""
    headers = dict(headers or {})
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
        if isinstance(error.__cause__, ClientDisconnect):  # FastAPI's 400 for a body cut off
            return client_gone(request)
        status = HTTPStatus(error.status_code)
        title, message = HTTP_MESSAGES.get(status.value, HTTP_MESSAGES[400])
        problem = DomainError(f"http.{status.value}", message)
        problem.status, problem.title = status.value, title
        return render(request, problem, dict(error.headers or {}))

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

    @app.exception_handler(ClientDisconnect)
    async def on_client_gone(request: Request, error: ClientDisconnect) -> Response:
        return client_gone(request)

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
    field_th = join_th([thai_field(column) for column in columns])
    message = "Another record already has this {field}; reload and try again."
    return Conflict(
        f"{table}.{'_'.join(columns)}_taken",
        message,
        {"field": field},
        [FieldError(field, message.format(field=field), thai(message, field=field_th))],
        params_th={"field": field_th},
    )


class AnswerUnexpected:
    """ASGI middleware answering an unforeseen exception with the 500 problem document.

    Starlette hands such exceptions to its outermost middleware, outside every other, so the
    500 went out without security headers or X-Request-ID; caught here, inside them, it gets
    both.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except ClientDisconnect:
            # Gone while its body was read (a form read by a middleware, say): not our fault.
            if not started:
                await client_gone(Request(scope, receive))(scope, receive, send)
        except Exception:
            if started:
                raise  # half an answer is out: only the connection's end can tell
            await unexpected(Request(scope, receive))(scope, receive, send)


def client_gone(request: Request) -> Response:
    """Answer a client that disconnected before its body arrived: logged as such, no 500.

    Nothing was written (the body never came whole); the answer is for the access log only,
    since nobody is left to read it.
    """
    log.info("client_disconnected", path=request.url.path, method=request.method)
    return Response(status_code=CLIENT_CLOSED_REQUEST)


def unexpected(request: Request) -> Response:
    """Answer a failure nobody foresaw with a 500 that shows no internals."""
    log.exception("unhandled_error", path=request.url.path)
    problem = DomainError("server.error", "Something went wrong on our side; please try again.")
    problem.status, problem.title = 500, "Internal server error"
    return render(request, problem)
