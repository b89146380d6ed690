"""Live-update fixtures: the real app served over HTTP with its hub and dispatcher, and SSE reading.

The in-process `client` cannot read a stream as it arrives (httpx's ASGI transport waits for
the whole body), so streams are read from the app served by uvicorn in a thread of its own,
built by create_app() on the run's database with the dispatcher on and a short heartbeat.
"""

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from jitasa.core.config import Settings
from jitasa.main import create_app

STREAM = "/api/v1/events/stream"
READ_SECONDS = 10.0  # a failing test ends after this, never hangs
SERVER_START_SECONDS = 30.0


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve an app with uvicorn (lifespan on) in a thread on a free port; yield its base URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        app,
        loop="asyncio",
        lifespan="on",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=2,  # streams a failed test left open do not hold the stop
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="jitasa-sse-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + SERVER_START_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("the live-update test server did not start; see its log above")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=SERVER_START_SECONDS)
        listener.close()


def live_settings(settings: Settings, **overrides: object) -> Settings:
    """Return the run's settings for a server that publishes events, with a quick heartbeat."""
    return settings.model_copy(
        update={"dispatch_events": True, "event_stream_heartbeat_seconds": 0.2, **overrides}
    )


@pytest.fixture(scope="module")
def server(settings: Settings, engine) -> Iterator[str]:
    """The real application served over HTTP, publishing events; yield its base URL."""
    with serving(create_app(live_settings(settings))) as url:
        yield url


@pytest.fixture
async def live(server: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the served application."""
    async with httpx.AsyncClient(base_url=server, timeout=READ_SECONDS) as client:
        yield client


@dataclass
class Frame:
    """One SSE frame: its fields as sent, `data` decoded from JSON."""

    fields: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """Return the frame's event id."""
        return int(self.fields["id"])

    @property
    def event(self) -> str | None:
        """Return the frame's event kind."""
        return self.fields.get("event")

    @property
    def data(self) -> dict:
        """Return the frame's data, decoded."""
        return json.loads(self.fields["data"])


class Stream:
    """Reads the frames of an open SSE response, counting heartbeat comments on the way."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()
        self.heartbeats = 0
        self.ended = False

    async def _frame(self) -> Frame | None:
        """Return the next frame with fields, or None when the stream ends."""
        frame = Frame()
        async for line in self._lines:
            if line.startswith(":"):
                self.heartbeats += 1
            elif line:
                name, _, value = line.partition(":")
                frame.fields[name] = value.removeprefix(" ")
            elif frame.fields:
                return frame
        self.ended = True
        return None

    async def opening(self) -> Frame:
        """Read the opening frame: once it is here, the stream is subscribed."""
        async with asyncio.timeout(READ_SECONDS):
            frame = await self._frame()
        assert frame is not None and frame.fields == {"retry": "3000"}, frame
        return frame

    async def events(self, count: int) -> list[Frame]:
        """Read the next `count` events."""
        found = []
        async with asyncio.timeout(READ_SECONDS):
            while len(found) < count:
                frame = await self._frame()
                assert frame is not None, f"the stream ended after {found}"
                found.append(frame)
        return found

    async def rest(self) -> list[Frame]:
        """Read every event until the server ends the stream."""
        found = []
        async with asyncio.timeout(READ_SECONDS):
            while (frame := await self._frame()) is not None:
                found.append(frame)
        return found

    async def heartbeat(self) -> None:
        """Wait for the next heartbeat comment."""
        async with asyncio.timeout(READ_SECONDS):
            async for line in self._lines:
                if line.startswith(":"):
                    self.heartbeats += 1
                    return
        raise AssertionError("the stream ended before a heartbeat")


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, *, headers: dict | None = None, **params: object
) -> AsyncIterator[Stream]:
    """Open the event stream with these query parameters; yield it once it is subscribed."""
    async with client.stream("GET", STREAM, params=params, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        await stream.opening()
        yield stream
