"""Exact repeats of a map URL, answered before routing, as a reverse proxy's cache would.

The map's answers are public and the same for everyone (`jitasa.map.cache`). The route notes
each URL it answered with the key of its answer; when the same query string comes again and
that answer is still current, `MapRepeats` sends it at once, skipping FastAPI's routing and
parameter validation (a third of what a kept answer cost, `docs/performance.md`). A URL not
seen, or whose answer a change made stale, goes on to the route, which checks it in full. A
query string that was valid once stays valid while its answer is kept: its checks read only
the filter values an incident's categories and the facility types allow, and an answer lasts
at most `cache.MAX_AGE_SECONDS`, so a category removed meanwhile is refused within a minute.
The answer sent is the one the route would send, byte for byte, 304 included.
"""

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jitasa.map.cache import AnswerCache, Stored

PATH = "/api/v1/map"
# Public and the same for everyone: a reverse proxy or CDN may serve it a few seconds.
CACHE_CONTROL = "public, max-age=5"


def respond(head: bytes, stored: Stored, if_none_match: str | None) -> tuple[int, dict, bytes]:
    """Return the status, headers and body of an answer: `head` (its bbox and zoom) then the
    stored totals and features, with its ETag; 304 and no body when `if_none_match` names it."""
    tag = f'"{hashlib.blake2b(head + stored.digest, digest_size=12).hexdigest()}"'
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if _matches(if_none_match, tag):
        return 304, headers, b""
    return 200, headers | {"Content-Type": "application/json"}, head + stored.tail


def _matches(if_none_match: str | None, tag: str) -> bool:
    """Tell whether an If-None-Match header names this ETag (weakly compared), or is `*`."""
    if not if_none_match:
        return False
    candidates = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in candidates or tag in candidates


class MapRepeats:
    """ASGI middleware: send a kept answer to a GET of a map URL answered before."""

    def __init__(self, app: ASGIApp, *, cache: AnswerCache) -> None:
        self.app, self.cache = app, cache
        self._route = None  # the map's route, named in the request metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        found = self.cache.by_url(scope["query_string"])
        if found is None:
            await self.app(scope, receive, send if self._route else self._noting(scope, send))
            return
        head, stored = found
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
        status, headers, body = respond(head, stored, if_none_match)
        scope["route"] = self._route
        raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        if status == 200:
            raw.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

    def _noting(self, scope: Scope, send: Send) -> Send:
        """Return `send`, noting the route routing chose as the answer starts: the route notes
        its URL just before, so no repeat is sent before the route is known."""

        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._route = self._route or scope.get("route")
            await send(message)

        return noting
