"""Security headers on every response, and CSRF protection for browser sessions."""

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jitasa.core.config import Settings
from jitasa.core.errors import Forbidden

CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
SESSION_COOKIE = "jitasa_session"
STATIC_PATHS = ("/static/", "/docs/static/")
# Swagger UI (served from a package, api_docs.py) sets inline styles; its scripts are files.
DOCS_PATHS = ("/docs",)
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"
)


def content_security_policy(settings: Settings) -> str:
    """Return the page policy: our own scripts only, tiles from the configured tile server."""
    tile = urlsplit(settings.tile_url.replace("{s}", "a"))
    tile_origin = f"{tile.scheme}://{tile.netloc}" if tile.netloc else ""
    if "{s}" in settings.tile_url:
        tile_origin = f"{tile.scheme}://*.{tile.netloc.split('.', 1)[1]}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src 'self' data: {tile_origin}".rstrip()
        + "; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """ASGI middleware adding CSP, nosniff, frame and referrer policies to every response."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        policy = content_security_policy(settings)
        self.headers = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"permissions-policy", b"geolocation=(self), camera=(), microphone=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        self.page_policy = policy.encode()
        if settings.cookies_are_secure:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP.encode() if scope["path"].startswith(DOCS_PATHS) else self.page_policy
        signed_in = _signed_in(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [*self.headers, (b"content-security-policy", policy)]
                if _personal(scope, signed_in, message["headers"]):
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _signed_in(scope: Scope) -> bool:
    """Tell whether the request carries a token or a session cookie."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization" or (name == b"cookie" and SESSION_COOKIE.encode() in value):
            return True
    return False


def _personal(scope: Scope, signed_in: bool, headers: list) -> bool:
    """Tell whether an answer may hold someone's data, so no cache may keep it.

    Answers to a signed-in request, pages, and answers that set a cookie; static files and
    answers that choose their own caching are left alone.
    """
    if scope["path"].startswith(STATIC_PATHS):
        return False
    names = {name for name, _ in headers}
    if b"cache-control" in names:
        return False
    page = any(n == b"content-type" and v.startswith(b"text/html") for n, v in headers)
    return signed_in or page or b"set-cookie" in names


def csrf_token(request: Request) -> str:
    """Return this browser session's CSRF token, creating it on first use."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not token:
        token = request.session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request riding on a session cookie without the session's CSRF token."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    if not request.session:
        return  # no cookie session: nothing ambient for a forged request to use
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        sent = (await request.form()).get(CSRF_FIELD)
    expected = request.session.get(CSRF_SESSION_KEY, "")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)):
        raise Forbidden(
            "auth.csrf", "This form has expired or came from another site; reload the page."
        )
