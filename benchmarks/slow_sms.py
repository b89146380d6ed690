"""Scenario `slow_sms`: an unrelated create and an anonymous list read, while a sign-in code
waits for an SMS provider that answers in 3 s.

The provider is a local HTTP server that holds each answer; the app runs in-process. Each round
asks for a code, waits until the provider has the message, then times a create and a list read
started together, and finally how long the code request took.
"""

import asyncio
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pydantic import SecretStr

from benchmarks import clients
from benchmarks.create import bodies
from jitasa.core.words import Role

DELAY_SECONDS = 3.0
TOKEN = "bench-sms-token"


@contextmanager
def slow_provider(delay: float) -> Iterator[tuple[str, threading.Event]]:
    """Run an SMS provider that answers 200 after `delay`; yield its URL and a 'got one' event."""
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            arrived.set()
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            """Keep the benchmark's output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/messages", arrived
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


async def _timed(call) -> tuple[float, int]:
    """Await an HTTP call; return its milliseconds and status."""
    started = time.perf_counter()
    response = await call
    return round((time.perf_counter() - started) * 1000, 1), response.status_code


def _summary(samples: list[tuple[float, int]]) -> dict:
    """Return the median and worst milliseconds, and the statuses seen."""
    times = [ms for ms, _status in samples]
    return {
        "median_ms": round(statistics.median(times), 1),
        "max_ms": max(times),
        "statuses": sorted({status for _ms, status in samples}),
    }


async def run(context, *, rounds: int = 5, delay: float = DELAY_SECONDS) -> dict:
    """Time creates and anonymous list reads, idle and while a code waits for the provider."""
    posts = iter(await bodies(context, 2 * rounds + 2, seed=29))
    headers = (await clients.signed_in(context, 1, role=Role.REQUESTER))[0]
    idle, creates, lists, codes = [], [], [], []
    with slow_provider(delay) as (url, arrived):
        settings = context.settings.model_copy(
            update={"sms_url": url, "sms_token": SecretStr(TOKEN)}
        )
        async with clients.in_process(settings) as client:
            for number in range(rounds):
                idle.append(
                    await _timed(client.post("/api/v1/requests", json=next(posts), headers=headers))
                )
                arrived.clear()
                started = time.perf_counter()
                phone = f"08{number + 10:08d}"
                asking = asyncio.create_task(client.post("/api/v1/auth/otp", json={"phone": phone}))
                await asyncio.to_thread(arrived.wait, 30)
                create, listing = await asyncio.gather(
                    _timed(client.post("/api/v1/requests", json=next(posts), headers=headers)),
                    _timed(client.get("/api/v1/requests", params={"limit": 50})),
                )
                creates.append(create)
                lists.append(listing)
                asked = await asking
                codes.append((round((time.perf_counter() - started) * 1000, 1), asked.status_code))
    return {
        "provider_delay_seconds": delay,
        "rounds": rounds,
        "create_idle": _summary(idle),
        "create_while_code_waits": _summary(creates),
        "list_while_code_waits": _summary(lists),
        "code_request": _summary(codes),
        "note": "create and anonymous list started together once the provider had the message",
    }
