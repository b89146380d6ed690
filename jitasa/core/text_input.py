"""Text that cannot be stored alike on both databases is refused, by field, on every way in.

PostgreSQL refuses a NUL character in text (a 500 there) while SQLite keeps it, and a lone
surrogate cannot be encoded for either. So control characters (all but tab, line feed and
carriage return) and lone surrogates are refused as a 422 naming the field, the same way on
both: `refuse_unstorable_text` checks every HTTP request's path, query, form and JSON body, for
every route, and `fields.Input` (the base of the input schemas) checks what the command line and
imports validate without HTTP.
"""

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from jitasa.core.thai import normalize_input
from jitasa.core.validation import field_errors, invalid_input

UNSTORABLE_TYPE = "unstorable_text"  # pydantic's error type for it, named in VALIDATION_MESSAGES
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# A JSON body can only carry those as escapes (or raw DEL and C1 bytes): look for them before
# parsing the body a second time, so an ordinary body costs one scan of its bytes.
_IN_JSON = re.compile(
    rb"\\u(?:00[0189][0-9a-f]|007f|d[89a-f][0-9a-f]{2})|\x7f|\xc2[\x80-\x9f]", re.IGNORECASE
)


def unstorable_at(value: object, location: tuple = ()) -> Iterator[tuple]:
    """Yield the location of every text inside `value` (lists and objects too) that is refused."""
    if _bad(value):
        yield location
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from unstorable_at(key, location)
            yield from unstorable_at(item, (*location, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from unstorable_at(item, (*location, index))


async def refuse_unstorable_text(request: Request) -> None:
    """Refuse a request with a refused character in its path, query, form or JSON body."""
    found = [("path", name) for name, value in request.path_params.items() if _bad(value)]
    found += [("query", name) for name, value in request.query_params.multi_items() if _bad(value)]
    if request.method not in {"GET", "HEAD", "OPTIONS"}:
        found += [("body", *place) for place in await _in_body(request)]
    if found:
        places = dict.fromkeys(found)  # a repeated query parameter is named once
        raise invalid_input(field_errors([{"type": UNSTORABLE_TYPE, "loc": p} for p in places]))


def _bad(value: object) -> bool:
    """Tell whether a value is text holding a refused character."""
    return isinstance(value, str) and UNSTORABLE.search(value) is not None


async def _in_body(request: Request) -> list[tuple]:
    """Return where a form or JSON body holds a refused character."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        return [(name,) for name, value in form.multi_items() if _bad(value)]
    if content_type and "json" not in content_type:
        return []
    body = await request.body()
    if not _IN_JSON.search(body):
        return []
    try:
        return list(unstorable_at(json.loads(body)))
    except (ValueError, RecursionError):
        return []  # not JSON: the route's own validation says so


# A query holding anything but ASCII (escaped or not) may hold Thai input to normalise.
_NON_ASCII_QUERY = re.compile(rb"%[89a-f]|[\x80-\xff]", re.IGNORECASE)


class NormalizeUrlInput:
    """ASGI middleware reading the path and query in the form `thai.normalize_input` gives.

    Bodies are normalised by their schemas (`fields.Input`); a search for "๕๐๐๑" or a code
    pasted with a zero-width space then finds what "5001" finds. An ASCII URL is left as it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            path = scope.get("path", "")
            if _NON_ASCII_QUERY.search(query) or not path.isascii():
                pairs = parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True)
                pairs = [(normalize_input(k), normalize_input(v)) for k, v in pairs]
                scope = {
                    **scope,
                    "path": normalize_input(path),
                    "query_string": urlencode(pairs).encode("ascii"),
                }
        await self.app(scope, receive, send)
