"""A local stand-in for the LINE Messaging API push endpoint, checking requests as LINE documents.

`POST /v2/bot/message/push` with `Authorization: Bearer {channel access token}`,
`Content-Type: application/json`, an optional `X-Line-Retry-Key` (a UUID) and the body
`{"to": "U" + 32 hex, "messages": [1 to 5 message objects]}`; a text message is
`{"type": "text", "text": ...}` of at most 5,000 characters. Errors answer
`{"message": ..., "details": [{"message", "property"}]}`; a retry key already accepted answers 409.
"""

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PUSH = "/v2/bot/message/push"
TOKEN = "line-channel-access-token"
USER_ID = "U" + "4af4980629" * 3 + "ab"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass
class LineApi:
    """The stand-in's base URL, what it received, and its planned answers."""

    base: str
    received: list[dict] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    accepted_keys: set[str] = field(default_factory=set)


def _error(message: str, prop: str = "") -> dict:
    """Return an error body shaped as LINE's."""
    details = [{"message": message, "property": prop}] if prop else []
    return {
        "message": message if not prop else "The request body has 1 error(s)",
        "details": details,
    }


def _check(method: str, path: str, headers: dict, raw: bytes) -> tuple[int, dict] | None:
    """Return LINE's documented refusal of a request, or None when it is well-formed."""
    if method != "POST" or path != PUSH:
        return 404, {"message": "Not found"}
    if headers.get("authorization") != f"Bearer {TOKEN}":
        return 401, {"message": "Authentication failed. Confirm that the access token is valid."}
    if not headers.get("content-type", "").startswith("application/json"):
        return 415, {"message": "Unsupported Media Type"}
    key = headers.get("x-line-retry-key")
    if key is not None and not UUID.fullmatch(key):
        return 400, {"message": "The retry key is invalid"}
    try:
        body = json.loads(raw)
    except ValueError:
        return 400, {"message": "The request body could not be parsed as JSON"}
    if not re.fullmatch(r"U[0-9a-f]{32}", str(body.get("to", ""))):
        return 400, _error("The property, 'to', in the request body is invalid", "to")
    messages = body.get("messages")
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return 400, _error("Size must be between 1 and 5", "messages")
    for message in messages:
        if message.get("type") != "text" or not 0 < len(message.get("text", "")) <= 5000:
            return 400, _error("Must be a text message of 1 to 5000 characters", "messages[0]")
    return None


@contextmanager
def running_line_api() -> Iterator[LineApi]:
    """Run the stand-in on a free loopback port for the duration of the block."""
    api: LineApi

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            refusal = _check(self.command, self.path, headers, raw)
            key = headers.get("x-line-retry-key")
            if refusal is None and api.statuses:
                planned = api.statuses.pop(0)
                if planned != 200:
                    refusal = planned, {"message": "Internal server error"}
            if refusal is None and key in api.accepted_keys:
                refusal = 409, {"message": "The retry key is already accepted"}
            if refusal is None:
                api.accepted_keys.add(key)
                api.received.append({"headers": headers, "body": json.loads(raw)})
            status, answer = refusal or (200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api = LineApi(base=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
