"""Two `jitasa serve` processes on one PostgreSQL and Redis: an event made on A reaches B."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from jitasa.core.config import Settings
from tests.factories import signed_in
from tests.help_requests.helpers import sos
from tests.realtime.conftest import READ_SECONDS, open_stream

pytestmark = pytest.mark.skipif(
    not (os.environ.get("JITASA_TEST_DATABASE_URL") and os.environ.get("JITASA_TEST_REDIS_URL")),
    reason="needs JITASA_TEST_DATABASE_URL and JITASA_TEST_REDIS_URL (PostgreSQL and Redis)",
)
JITASA = Path(sys.executable).with_name("jitasa")  # the console script `pip install` made
START_SECONDS = 60  # two cold Python processes on a busy 2-core machine


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    """Wait for the process to answer /readyz, or fail with its log."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`jitasa serve` exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"`jitasa serve` was not ready within {START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture
def serve(settings: Settings, engine, tmp_path) -> Iterator[Callable[..., list[str]]]:
    """Start `jitasa serve` processes on the run's migrated database and Redis; kill them after."""
    processes: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "JITASA_DATABASE_URL": settings.database_url,
        "JITASA_REDIS_URL": settings.redis_url,
        "JITASA_REDIS_PREFIX": settings.redis_prefix,
        "JITASA_DATA_DIR": str(tmp_path),
        "JITASA_JOBS_INTERVAL_SECONDS": "0",
        "JITASA_LOG_LEVEL": "WARNING",
    }

    def start(*names: str) -> list[str]:
        started = []
        for name in names:
            url, log = f"http://127.0.0.1:{free_port()}", tmp_path / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [str(JITASA), "serve", "--host", "127.0.0.1", "--port", url.split(":")[-1]],
                    env=env,
                    cwd=tmp_path,  # no .env of the repository is read
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            processes.append(process)
            started.append((url, process, log))
        for url, process, log in started:
            wait_until_ready(url, process, log)
        return [url for url, _process, _log in started]

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_an_event_made_on_one_process_reaches_a_stream_on_another(serve, session):
    _requester, headers = await signed_in(session)
    a, b = serve("a", "b")
    async with (
        httpx.AsyncClient(base_url=a, timeout=READ_SECONDS) as on_a,
        httpx.AsyncClient(base_url=b, timeout=READ_SECONDS) as on_b,
        open_stream(on_b) as stream,
    ):
        response = await on_a.post("/api/v1/requests", json=sos(), headers=headers)
        assert response.status_code == 201, response.text
        (event,) = await stream.events(1)
    assert event.event == "request.created"
    assert event.data["id"] == response.json()["id"]
    assert "contact_phone" not in event.data
