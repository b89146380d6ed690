"""A local stand-in for the SMS provider: a real HTTP server that checks requests as documented."""

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH = "/v1/messages"
ANSWERS = {400: "number cannot receive SMS", 500: "gateway overloaded"}
TOKEN = "provider-test-token"


@dataclass
class Received:
    """One request as the provider received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        """Return the body read as JSON."""
        return json.loads(self.body)


@dataclass
class Provider:
    """The provider's address, what it received, and how it answers next.

    With a `delay`, each answer waits that long, or until the test sets `release`; `arrived` is
    set when a request comes in, `answered` once an answer has gone back.
    """

    url: str
    received: list[Received] = field(default_factory=list)
    status: int = 200
    # Answers for the next requests, in order, before `status` answers the rest.
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)


def _refusal(request: Received) -> tuple[int, str] | None:
    """Return the documented error for a request the provider would refuse, or None."""
    if request.path != PATH:
        return 404, "no such endpoint"
    if request.method != "POST":
        return 405, "POST only"
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return 401, "bad token"
    if request.headers.get("content-type") != "application/json":
        return 415, "JSON only"
    if not request.headers.get("idempotency-key"):
        return 400, "Idempotency-Key is required"
    try:
        body = request.json()
    except ValueError:
        return 400, "body is not JSON"
    if not isinstance(body, dict) or set(body) != {"to", "from", "text"}:
        return 422, "body must be exactly {to, from, text}"
    if not str(body["to"]).startswith("+66"):
        return 422, "to must be E.164"
    return None


@contextmanager
def running_provider() -> Iterator[Provider]:
    """Run the stand-in provider on a free loopback port for the duration of the block."""
    provider: Provider

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            request = Received(
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length),
            )
            provider.received.append(request)
            provider.arrived.set()
            if provider.delay:
                provider.release.wait(provider.delay)
            planned = provider.statuses.pop(0) if provider.statuses else provider.status
            status, reason = _refusal(request) or (planned, ANSWERS.get(planned, "ok"))
            payload = json.dumps({"status": status, "message": reason}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            provider.answered.set()

        do_POST = do_GET = do_PUT = _answer

        def log_message(self, *args: object) -> None:
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    provider = Provider(url=f"http://127.0.0.1:{server.server_address[1]}{PATH}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        provider.release.set()  # no answer is left waiting
        server.shutdown()
        server.server_close()
        thread.join()
