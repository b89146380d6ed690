"""Request bodies are read up to a limit per route, then refused with 413 (problem+json).

Every route takes at most `JITASA_MAX_BODY_BYTES`; a route that takes more (an upload)
declares it in its OpenAPI extension, which also documents it:
`@router.post(..., openapi_extra={BODY_LIMIT_KEY: 200_000_000})`. A declared Content-Length
over the limit is refused before a byte is read; a body without one is cut off where it passes
the limit. FastAPI's own `max_body_size` answers in plain text, so it is not used.
"""

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BODY_LIMIT_KEY = "x-max-body-bytes"


class BodyTooLarge(HTTPException):
    """The request body passed its route's limit (rendered by `problems` as a 413)."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimit:
    """ASGI middleware counting each request body against its route's limit as it is read."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.default = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0
        limit: int | None = None

        async def counted() -> Message:
            nonlocal received, limit
            if limit is None:  # the first read: routing has chosen the route by now
                limit = route_limit(scope, self.default)
                if declared_length(scope) > limit:
                    raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        await self.app(scope, counted, send)


def route_limit(scope: Scope, default: int) -> int:
    """Return the body limit the matched route declares, or the default."""
    extra = getattr(scope.get("route"), "openapi_extra", None) or {}
    return int(extra.get(BODY_LIMIT_KEY, default))


def declared_length(scope: Scope) -> int:
    """Return the request's Content-Length, 0 when it has none (or a malformed one)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0
