"""Limits on what one client may send: body size per route, slow request headers."""

import asyncio
import json
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from jitasa.cli_support import HeaderDeadline
from jitasa.core.body_limit import BODY_LIMIT_KEY, BodyLimit
from jitasa.core.config import get_settings

TWO_MEGABYTES = 2 * 1024 * 1024


def assert_too_large(response) -> None:
    """Assert a 413 problem document in English and Thai."""
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Too large" and problem["title_th"] == "ข้อมูลใหญ่เกินไป"
    assert "larger than this address accepts" in problem["detail"]


async def test_an_anonymous_body_over_the_limit_is_refused_before_it_is_read(client):
    body = json.dumps({"phone": "0812345678", "padding": "x" * TWO_MEGABYTES})
    response = await client.post(
        "/api/v1/auth/otp", content=body, headers={"content-type": "application/json"}
    )
    assert_too_large(response)


async def test_a_body_without_a_length_is_cut_off_at_the_limit(client):
    sent = 0

    async def chunks():
        nonlocal sent
        for _ in range(64):  # 4 MB in 64 KB chunks, if nobody stops reading
            sent += 1
            yield b"x" * 65536

    response = await client.post(
        "/api/v1/auth/otp", content=chunks(), headers={"content-type": "application/json"}
    )
    assert_too_large(response)
    assert sent < 64  # reading stopped at the limit, not at the end


async def test_a_form_over_the_limit_is_refused_too(client):
    response = await client.post("/signin", data={"phone": "0" * TWO_MEGABYTES, "next": "/"})
    assert_too_large(response)


async def test_a_body_within_the_limit_is_read(client):
    response = await client.post("/api/v1/auth/otp", json={"phone": "0812345678"})
    assert response.status_code == 202


def _serve(port_holder: list, stop: threading.Event) -> None:
    """Serve a bare app with Jitasa's HTTP protocol on a free port until told to stop."""

    async def hello(_request):
        return PlainTextResponse("hello")

    config = uvicorn.Config(
        Starlette(routes=[Route("/", hello)]),
        loop="asyncio",
        log_config=None,
        access_log=False,
        http=HeaderDeadline,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port_holder.append(listener.getsockname()[1])

    async def run() -> None:
        task = asyncio.create_task(server.serve(sockets=[listener]))
        while not stop.is_set():
            await asyncio.sleep(0.05)
        server.should_exit = True
        await task

    asyncio.run(run())


@pytest.fixture
def deadline_server(monkeypatch):
    """A server whose request headers must arrive within half a second; yield its port."""
    monkeypatch.setenv("JITASA_HEADER_TIMEOUT_SECONDS", "0.5")
    get_settings.cache_clear()
    ports: list[int] = []
    stop = threading.Event()
    thread = threading.Thread(target=_serve, args=(ports, stop), daemon=True)
    thread.start()
    while not ports:
        time.sleep(0.01)
    time.sleep(0.3)
    yield ports[0]
    stop.set()
    thread.join(timeout=10)
    get_settings.cache_clear()


def _read_all(connection: socket.socket) -> bytes:
    """Read until the server closes the connection (or 10 s pass: a failure, not a hang)."""
    connection.settimeout(10)
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received


def test_headers_that_trickle_in_lose_the_connection(deadline_server):
    with socket.create_connection(("127.0.0.1", deadline_server)) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        assert _read_all(connection) == b""  # closed, without an answer


def test_a_silent_connection_is_closed_too(deadline_server):
    with socket.create_connection(("127.0.0.1", deadline_server)) as connection:
        assert _read_all(connection) == b""


def test_prompt_requests_are_answered_on_a_kept_alive_connection(deadline_server):
    with socket.create_connection(("127.0.0.1", deadline_server)) as connection:
        for _ in range(2):
            connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            connection.settimeout(10)
            answer = b""
            while not answer.endswith(b"hello"):
                answer += connection.recv(4096)
            assert answer.startswith(b"HTTP/1.1 200")


async def test_a_route_may_declare_a_larger_limit_of_its_own():
    """An upload route takes more than the default, and says so in its OpenAPI extension."""
    app = FastAPI()

    @app.post("/small")
    async def small(request: Request) -> int:
        return len(await request.body())

    @app.post("/upload", openapi_extra={BODY_LIMIT_KEY: 5000})
    async def upload(request: Request) -> int:
        return len(await request.body())

    app.add_middleware(BodyLimit, max_body_bytes=1000)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/upload", content=b"x" * 3000)).json() == 3000
        assert (await client.post("/small", content=b"x" * 1000)).json() == 1000
        assert (await client.post("/small", content=b"x" * 1001)).status_code == 413
        assert (await client.post("/upload", content=b"x" * 5001)).status_code == 413
    assert app.openapi()["paths"]["/upload"]["post"][BODY_LIMIT_KEY] == 5000
