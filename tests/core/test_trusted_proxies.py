"""Per-address limits count the real client: X-Forwarded-For is believed only from set proxies.

uvicorn believes the header from 127.0.0.1 by default, so a client on the machine (or any, in
front of a local proxy that passes the header on) rotated it past the sign-in code limit.
"""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from jitasa.cli_support import server_options
from jitasa.main import create_app
from tests.factories import next_phone

CODES_PER_ADDRESS = 20  # accounts/signin/codes.py: texted codes per address per 10 minutes


@contextmanager
def served_as_jitasa_serves(settings) -> Iterator[str]:
    """Serve the real app with `jitasa serve`'s uvicorn options in a thread; yield its URL."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings), loop="asyncio", lifespan="on", **server_options())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


async def ask_codes(url: str, count: int) -> list[int]:
    """Ask for sign-in codes for new phones, each claiming another client address."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        statuses = []
        for number in range(count):
            response = await client.post(
                "/api/v1/auth/otp",
                json={"phone": next_phone()},
                headers={"X-Forwarded-For": f"203.0.113.{number + 1}"},
            )
            statuses.append(response.status_code)
        return statuses


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(settings, engine):
    with served_as_jitasa_serves(settings) as url:
        statuses = asyncio.run(ask_codes(url, CODES_PER_ADDRESS + 2))
    assert statuses == [202] * CODES_PER_ADDRESS + [429, 429]


def test_a_trusted_proxy_names_the_client(settings, engine):
    behind_proxy = settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    with served_as_jitasa_serves(behind_proxy) as url:
        statuses = asyncio.run(ask_codes(url, CODES_PER_ADDRESS + 2))
    assert statuses == [202] * (CODES_PER_ADDRESS + 2)


@pytest.mark.parametrize(
    ("proxies", "peer", "believed"),
    [
        ("10.0.0.0/8", "10.1.2.3", True),
        ("192.0.2.1, 10.1.2.3", "10.1.2.3", True),
        ("192.0.2.1", "10.1.2.3", False),
    ],
)
async def test_proxies_are_named_by_address_or_network(settings, engine, proxies, peer, believed):
    app = create_app(settings.model_copy(update={"trusted_proxies": proxies}))
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        statuses = []
        for number in range(CODES_PER_ADDRESS + 1):
            response = await client.post(
                "/api/v1/auth/otp",
                json={"phone": next_phone()},
                headers={"X-Forwarded-For": f"198.51.100.{number + 1}"},
            )
            statuses.append(response.status_code)
    await app.state.throttle.aclose()
    await app.state.engine.dispose()
    assert statuses[-1] == (202 if believed else 429)
