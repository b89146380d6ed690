"""201 means stored: a server killed with SIGKILL mid-load keeps every request it answered.

1,000 creates, 16 in flight, each with its own Idempotency-Key; the server is killed once a
third are answered, started again, and the unanswered ones are sent again with their keys (as
the offline queue does). Then every answered request is there as answered, and every request
sent is there exactly once: nothing lost, nothing twice, nothing else. On SQLite the server
runs with `synchronous=FULL` (the default) so the same holds through a power cut, which a test
cannot cause.
"""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from sqlalchemy import func, select

from jitasa.accounts import service as accounts_service
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.words import Role
from jitasa.help_requests.models import HelpRequest
from jitasa.migrate import upgrade

TOTAL, IN_FLIGHT, KILL_AFTER = 1000, 16, 330
START_SECONDS = 180  # a loaded 2-core machine: migrating a fresh database takes a while


def free_port() -> int:
    """Return a port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def prepared(settings: Settings) -> str:
    """Migrate the database and return an API token of a coordinator (not rate-limited)."""
    engine = create_engine(settings)
    try:
        await upgrade(engine)
        async with create_session_factory(engine)() as session:
            user = await accounts_service.save_user(
                session, phone="+66812340000", roles={Role.COORDINATOR}, area_code="50"
            )
            _token, plaintext = await accounts_service.create_token(session, user=user, name="t")
            await session.commit()
        return plaintext
    finally:
        await engine.dispose()


def start_server(settings: Settings, port: int) -> subprocess.Popen:
    """Start `jitasa serve` on the database and wait until it answers."""
    env = {
        **os.environ,
        "JITASA_DATABASE_URL": settings.database_url,
        "JITASA_DATA_DIR": str(settings.data_dir),
        "JITASA_JOBS_INTERVAL_SECONDS": "0",
        "JITASA_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", "from jitasa.cli import app; app()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("jitasa serve did not start")


def body(number: int) -> dict:
    """Return the SOS body of request `number`, marked so its row can be found."""
    return {
        "category": "food_supplies",
        "urgency": "normal",
        "lat": 18.7883 + number * 1e-5,
        "lon": 98.9853,
        "area_code": "5001",
        "description": f"durability {number}",
    }


async def send_all(
    url: str, token: str, numbers: list[int], answered: dict, kill=None
) -> list[str]:
    """Post the requests 16 at a time, again after a 503; note each 201's id and code by
    number; return what else was answered (a request the server died under stays unanswered)."""
    queue = asyncio.Queue()
    for number in numbers:
        queue.put_nowait(number)
    others: list[str] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            while not queue.empty():
                number = queue.get_nowait()
                headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"d-{number}"}
                try:
                    response = await http.post(
                        "/api/v1/requests", json=body(number), headers=headers
                    )
                except httpx.HTTPError as error:
                    others.append(f"{number}: {type(error).__name__}")
                    continue
                if response.status_code == 201:
                    answered[number] = (response.json()["id"], response.json()["code"])
                    if kill is not None and len(answered) >= KILL_AFTER:
                        kill()
                elif response.status_code == 503:  # busy, nothing saved: try again, as clients do
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                    queue.put_nowait(number)
                else:
                    others.append(f"{number}: {response.status_code} {response.text[:200]}")

    await asyncio.gather(*(client() for _ in range(IN_FLIGHT)))
    return others


async def stored(settings: Settings) -> dict[int, list[tuple[int, str]]]:
    """Return the stored requests by number: (id, code) of each row."""
    engine = create_engine(settings)
    try:
        async with create_session_factory(engine, mode="read")() as session:
            rows = await session.execute(
                select(HelpRequest.id, HelpRequest.code, HelpRequest.description)
            )
            found: dict[int, list[tuple[int, str]]] = {}
            for request_id, code, description in rows:
                found.setdefault(int(description.split()[1]), []).append((request_id, code))
            assert await session.scalar(select(func.count()).select_from(HelpRequest)) == sum(
                map(len, found.values())
            )
            return found
    finally:
        await engine.dispose()


def test_every_answered_create_survives_a_kill_and_nothing_else_is_stored(
    settings, fresh_database_url, tmp_path
):
    server_settings = settings.model_copy(
        update={"database_url": fresh_database_url, "data_dir": tmp_path, "redis_url": None}
    )
    token = asyncio.run(prepared(server_settings))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(server_settings, port)
    answered: dict[int, tuple[int, str]] = {}

    def kill() -> None:
        if server.poll() is None:
            server.send_signal(signal.SIGKILL)

    try:
        asyncio.run(send_all(url, token, list(range(TOTAL)), answered, kill))
        server.wait(timeout=30)
        assert server.returncode == -signal.SIGKILL, "the server was not killed mid-load"
        before_restart = dict(answered)
        assert KILL_AFTER <= len(before_restart) < TOTAL

        after_kill = asyncio.run(stored(server_settings))
        for number, answer in before_restart.items():
            assert after_kill.get(number) == [answer], f"answered request {number} was lost"

        server = start_server(server_settings, port)
        unanswered = [n for n in range(TOTAL) if n not in before_restart]
        retried = asyncio.run(send_all(url, token, unanswered, answered))
        assert retried == [], retried
    finally:
        kill()
        server.wait(timeout=30)

    assert len(answered) == TOTAL
    final = asyncio.run(stored(server_settings))
    assert final == {number: [answer] for number, answer in answered.items()}
