"""Real `jitasa serve` processes on the benchmark's database, and the CPU time they use."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from jitasa.core.config import Settings

JITASA = Path(sys.executable).with_name("jitasa")
# A loaded, shared machine may need longer to import and start the app.
READY_SECONDS = float(os.environ.get("JITASA_BENCH_READY_SECONDS", "90"))


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def environment(settings: Settings, port: int) -> dict[str, str]:
    """Return the environment of a server on the benchmark's database, without periodic jobs."""
    return {
        **os.environ,
        "JITASA_DATABASE_URL": settings.database_url or "",
        "JITASA_DATA_DIR": str(settings.data_dir),
        "JITASA_PORT": str(port),
        "JITASA_LOG_LEVEL": "WARNING",
        "JITASA_JOBS_INTERVAL_SECONDS": "0",  # jobs would write while we measure
        "JITASA_BOUNDARY_REFRESH_SECONDS": "3600",
        "JITASA_REQUESTS_PER_ACCOUNT": str(settings.requests_per_account),
        "JITASA_REQUESTS_PER_ADDRESS": str(settings.requests_per_address),
        "JITASA_EVENT_STREAMS_PER_CLIENT": str(settings.event_streams_per_client),
    }


async def _wait_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    """Wait until the server answers /readyz, or fail with the end of its log."""
    deadline = time.monotonic() + READY_SECONDS
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"jitasa serve at {url} did not start:\n{log.read_text()[-2000:]}")


@asynccontextmanager
async def serving(settings: Settings, count: int, *, command: list[str] | None = None, env=None):
    """Run `count` server processes on the benchmark's database; yield (base URL, pid) pairs.

    `command` (default `jitasa serve`) is completed with `--port N`; `env` adds variables.
    """
    started: list[tuple[subprocess.Popen, str]] = []
    try:
        for _ in range(count):
            port = free_port()
            log = settings.data_dir / f"serve-{port}.log"
            with log.open("w") as output:
                process = subprocess.Popen(
                    [*(command or [str(JITASA), "serve"]), "--port", str(port)],
                    env={**environment(settings, port), **(env or {})},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            url = f"http://127.0.0.1:{port}"
            started.append((process, url))
            await _wait_ready(process, url, log)
        yield [(url, process.pid) for process, url in started]
    finally:
        for process, _url in started:
            process.terminate()
        for process, _url in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class KeepAlive:
    """One keep-alive HTTP/1.1 connection for GETs: a load generator far lighter than httpx."""

    def __init__(self, base: str) -> None:
        address = urlsplit(base)
        self.host, self.port = address.hostname, address.port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        """GET a path with its query string; return the status code and the body."""
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        length = int(head.split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        body = await reader.readexactly(length)
        if b"connection: close" in head:
            self.close()
        return int(head[9:12]), body

    def close(self) -> None:
        """Close the connection; the next GET opens a new one."""
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None
