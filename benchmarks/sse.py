"""Scenario `sse`: how fast a new request reaches 1,000 Server-Sent Events clients of a process.

The clients are raw asyncio streams, lighter than an httpx client per connection.
"""

import asyncio
import json
import time
from urllib.parse import urlsplit

import httpx

from benchmarks import clients, servers
from benchmarks.create import bodies
from benchmarks.stats import summarise
from jitasa.core.words import Role

PATH = "/api/v1/events/stream"
EVENT = "request.created"
TARGET_P99_MS = 1000.0


class Listener:
    """One SSE connection, noting when each `request.created` event arrived, by request id."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.connected = asyncio.Event()
        self.failure: str | None = None
        self._buffer = b""

    async def listen(self, host: str, port: int) -> None:
        """Connect, check the answer, then read events until cancelled."""
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(
                f"GET {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n".encode()
            )
            status = (await reader.readline()).decode().strip()
            head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
        except (OSError, asyncio.IncompleteReadError) as error:
            self.failure = repr(error)
        else:
            self.failure = None if " 200 " in f"{status} " else status
        finally:
            self.connected.set()
        if self.failure:
            return
        try:
            await self._read(reader, chunked="transfer-encoding: chunked" in head)
        finally:
            writer.close()

    async def _read(self, reader: asyncio.StreamReader, *, chunked: bool) -> None:
        """Read the body (chunked or not) until the server ends it."""
        while True:
            if chunked:
                size = int((await reader.readline()).split(b";")[0], 16)
                data = (await reader.readexactly(size + 2))[:-2]
            else:
                data = await reader.read(65536)
            if not data:
                return
            self._feed(data)

    def _feed(self, data: bytes) -> None:
        """Split what came into events and note the ones announcing new requests."""
        now = time.perf_counter()
        self._buffer = (self._buffer + data).replace(b"\r\n", b"\n")
        *events, self._buffer = self._buffer.split(b"\n\n")
        for block in events:
            kind, payload = "message", []
            for line in block.decode().split("\n"):
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if field == "event":
                    kind = value
                elif field == "data":
                    payload.append(value)
            if kind == EVENT and payload:
                self.arrived.setdefault(int(json.loads("\n".join(payload))["id"]), now)


async def _announce(base: str, posts: list[dict], headers: dict, gap: float) -> dict[int, float]:
    """Create the requests one by one; return when each POST was sent, by request id."""
    sent = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for body in posts:
            posted = time.perf_counter()
            response = await client.post("/api/v1/requests", json=body, headers=headers)
            response.raise_for_status()
            sent[response.json()["id"]] = posted
            await asyncio.sleep(gap)
    return sent


async def run(
    context, *, listeners: int = 1000, creates: int = 20, gap: float = 0.25, wait: float = 10.0
) -> dict:
    """Open the SSE connections on one server, create requests, time each event's arrival."""
    posts = await bodies(context, creates, seed=17)
    headers = (await clients.signed_in(context, 1, role=Role.REQUESTER))[0]
    async with servers.serving(context.settings, 1) as running:
        base, pid = running[0]
        address = urlsplit(base)
        crowd = [Listener() for _ in range(listeners)]
        started = time.perf_counter()
        tasks = [asyncio.create_task(one.listen(address.hostname, address.port)) for one in crowd]
        await asyncio.gather(*(one.connected.wait() for one in crowd))
        connect_seconds = time.perf_counter() - started
        refused = [one.failure for one in crowd if one.failure]
        if not refused:
            cpu_before = servers.cpu_seconds(pid)
            sent = await _announce(base, posts, headers, gap)
            deadline = time.perf_counter() + wait
            while time.perf_counter() < deadline and any(len(o.arrived) < len(sent) for o in crowd):
                await asyncio.sleep(0.1)
            server_cpu = round(servers.cpu_seconds(pid) - cpu_before, 2)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    if refused:
        return {"error": f"GET {PATH} answered {refused[0]!r}", "listeners": listeners}
    arrivals = [
        (one.arrived[request_id], one.arrived[request_id] - posted)
        for one in crowd
        for request_id, posted in sent.items()
        if request_id in one.arrived
    ]
    missed = listeners * len(sent) - len(arrivals)
    timing = (
        summarise(
            [delay for _at, delay in arrivals], max(at for at, _ in arrivals) - min(sent.values())
        )
        if arrivals
        else None
    )
    return {
        "listeners": listeners,
        "connect_seconds": round(connect_seconds, 2),
        "events_created": len(sent),
        "deliveries": len(arrivals),
        "missed": missed,
        "delay_from_post": timing.as_dict() if timing else None,
        "server_cpu_seconds": server_cpu,
        "note": "delay from sending the POST (before its commit) to the event's arrival; "
        "per_second is deliveries per second over the run",
        "target_p99_ms": TARGET_P99_MS,
        "meets_target": timing is not None and timing.p99_ms <= TARGET_P99_MS and not missed,
    }
