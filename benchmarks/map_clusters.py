"""Scenario `map`: phone-sized viewports at zooms 5, 8, 11, 14, against an in-memory floor."""

import asyncio
import math
import sys
import time
from collections.abc import Sequence

import httpx
import numpy as np

from benchmarks import clients, http_floor, servers
from benchmarks import facilities as facilities_bench
from benchmarks.stats import Budget, summarise
from jitasa.clusters import grid
from jitasa.help_requests.states import ACTIVE

ZOOMS = (5, 8, 11, 14)
VIEWPORT_PX = (400, 800)  # a phone held upright, in CSS pixels
TILE_PX = 256
TARGET_P95_MS = 20.0
TARGET_PER_SECOND = 1000.0
PATH = "/api/v1/map"
WARMUP = 3
NEW_URL_PASSES = 60  # passes over the viewports, each moved: more than 10 s of answers
# After the HTTP floor's: caches cold, every URL asked of every server first, no URL twice.
THROUGHPUT_RUNS = ("throughput", "throughput_warm", "throughput_every_url_new")


def viewport(lat: float, lon: float, zoom: int) -> tuple[float, float, float, float]:
    """Return the (west, south, east, north) of a phone screen centred on a point (Web Mercator)."""
    world = TILE_PX * 2**zoom
    x = (lon + 180) / 360 * world
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * world
    width, height = VIEWPORT_PX

    def to_lon(px: float) -> float:
        return px / world * 360 - 180

    def to_lat(py: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / world))))

    return (
        max(to_lon(x - width / 2), -180.0),
        max(to_lat(y + height / 2), -85.0),
        min(to_lon(x + width / 2), 180.0),
        min(to_lat(y - height / 2), 85.0),
    )


def _cells(lats: np.ndarray, lons: np.ndarray, level: int) -> np.ndarray:
    """Return each pin's display-cell key at a level (cells as jitasa.clusters.grid cuts them)."""
    x = np.floor(lons / grid.STEP).astype(np.int64) >> level
    y = np.floor(lats / grid.STEP).astype(np.int64) >> level
    return (x << 32) + y


class ClusterIndex:
    """The floor: clusters of every display level computed once, then range queries on them."""

    def __init__(self, points: np.ndarray, levels: set[int]) -> None:
        self.levels = {}
        lats, lons = points[:, 0], points[:, 1]
        for level in levels:
            _keys, owner = np.unique(_cells(lats, lons, level), return_inverse=True)
            count = np.bincount(owner)
            lat = np.bincount(owner, weights=lats) / count
            lon = np.bincount(owner, weights=lons) / count
            order = np.argsort(lon, kind="stable")
            self.levels[level] = (lon[order], lat[order], count[order])

    def query(self, bbox, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (lon, lat, count) of the level's clusters whose centroids lie in the bbox."""
        west, south, east, north = bbox
        lon, lat, count = self.levels[level]
        start, stop = np.searchsorted(lon, [west, east], side="left")
        inside = (lat[start:stop] >= south) & (lat[start:stop] <= north)
        return lon[start:stop][inside], lat[start:stop][inside], count[start:stop][inside]


def scan(lons: np.ndarray, lats: np.ndarray, bbox, level: int) -> np.ndarray:
    """Cluster the pins in the bbox from scratch (pins sorted by lon); return cluster counts."""
    west, south, east, north = bbox
    start, stop = np.searchsorted(lons, [west, east], side="left")
    lat, lon = lats[start:stop], lons[start:stop]
    inside = (lat >= south) & (lat <= north)
    return np.unique(_cells(lat[inside], lon[inside], level), return_counts=True)[1]


def check(response: httpx.Response) -> tuple[int, int]:
    """Return a map answer's number of features and of requests; raise if it breaks the contract."""
    if response.status_code != 200:
        raise AssertionError(f"{PATH} answered {response.status_code}: {response.text[:300]}")
    features = response.json()["features"]
    return len(features), sum(int(f["properties"]["count"]) for f in features)


def bbox_param(box) -> str:
    """Return a viewport as the `bbox` query parameter."""
    return ",".join(f"{v:.6f}" for v in box)


def _floor(work, boxes: list) -> tuple[dict, list]:
    """Time an in-memory floor over the viewports; return its timing and its answers."""
    samples, answers, wall = [], [], time.perf_counter()
    for box in boxes:
        started = time.perf_counter()
        answers.append(work(box))
        samples.append(time.perf_counter() - started)
    return summarise(samples, time.perf_counter() - wall).as_dict(), answers


async def _endpoint(client, boxes: list, zoom: int, budget_seconds: float) -> tuple:
    """Time the endpoint over the viewports the budget allows; return timing and answers."""
    for box in boxes[:WARMUP]:
        await client.get(PATH, params={"bbox": bbox_param(box), "zoom": zoom})
    samples, answers, wall, budget = [], [], time.perf_counter(), Budget(budget_seconds)
    for box in boxes:
        if budget.spent(len(samples)):
            break
        started = time.perf_counter()
        response = await client.get(PATH, params={"bbox": bbox_param(box), "zoom": zoom})
        samples.append(time.perf_counter() - started)
        answers.append(check(response))
    return summarise(samples, time.perf_counter() - wall), answers


def _mean(values) -> float:
    """Return the mean, rounded for the report."""
    return round(float(np.mean(values)), 1)


async def _per_zoom(
    context, viewports: dict, index, lons, lats, budget_seconds: float, urls: list[str]
) -> dict:
    """Time the endpoint in-process and both floors over the same viewports, zoom by zoom.

    Each viewport is asked twice: first each process's answer cache is cold (`http_in_process`,
    the answer made from the counts), then it holds it (`http_in_process_repeat`). The app's
    cluster index is built first (`index_build_seconds`), and the answer of median size among
    the first `urls` is returned as `typical_answer` (the HTTP floor's body).
    """
    figures = {}
    started = time.perf_counter()
    async with clients.in_process(context.settings, map_index=True) as client:
        figures["index_build_seconds"] = round(time.perf_counter() - started, 1)
        for zoom, boxes in viewports.items():
            http, answers = await _endpoint(client, boxes, zoom, budget_seconds)
            boxes = boxes[: len(answers)]
            repeat, again = await _endpoint(client, boxes, zoom, budget_seconds)
            if again != answers[: len(again)]:
                raise AssertionError(f"zoom {zoom}: a repeated answer differs from the first")
            by_index, clusters = _floor(
                lambda box, z=zoom: index.query(box, grid.level_for(box, z))[2], boxes
            )
            by_scan, counts = _floor(
                lambda box, z=zoom: scan(lons, lats, box, grid.level_for(box, z)), boxes
            )
            figures[str(zoom)] = {
                "display_level": grid.display_level(zoom),
                "http_in_process": http.as_dict(),
                "http_in_process_repeat": repeat.as_dict(),
                "features_mean": _mean([features for features, _ in answers]),
                "requests_mean": _mean([requests for _, requests in answers]),
                "floor_index": by_index,
                "floor_index_clusters_mean": _mean([len(c) for c in clusters]),
                "floor_scan": by_scan,
                "floor_scan_requests_mean": _mean([c.sum() for c in counts]),
                "target_p95_ms": TARGET_P95_MS,
                "meets_target": http.p95_ms <= TARGET_P95_MS,
            }
        figures["typical_answer"] = await _typical_answer(client, urls)
    return figures


async def throughput(
    context,
    urls: list[str],
    *,
    processes: int,
    seconds: float,
    concurrency: int,
    command: list[str] | None = None,
    env: dict | None = None,
    warm: bool = False,
) -> dict:
    """Drive `processes` real servers with `concurrency` clients for `seconds`; count answers.

    With `warm`, every URL is first asked of every server once (not timed): their answer caches
    then hold the whole set, as they would hold a crowd's common views.
    """
    async with servers.serving(context.settings, processes, command=command, env=env) as running:
        # An httpx client spent 6-8 ms of CPU per request here, raw streams 0.2 ms.
        connections = [servers.KeepAlive(running[n % processes][0]) for n in range(concurrency)]
        if warm:
            await _warm_up(connections, urls, processes)
            for connection in connections:  # idle ones were closed by the server meanwhile
                connection.close()
        cpu_before = [servers.cpu_seconds(pid) for _base, pid in running]
        samples, failures = [], []

        async def worker(number: int) -> None:
            position = number
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status, _body = await connections[number].get(urls[position % len(urls)])
                samples.append(time.perf_counter() - started)
                position += concurrency
                if status != 200:
                    failures.append(status)

        own_cpu, started = time.process_time(), time.perf_counter()
        deadline = started + seconds
        try:
            await asyncio.gather(*(worker(n) for n in range(concurrency)))
        finally:
            for connection in connections:
                connection.close()
        wall = time.perf_counter() - started
        own_cpu = time.process_time() - own_cpu
        server_cpu = [
            round(servers.cpu_seconds(pid) - before, 2)
            for (_base, pid), before in zip(running, cpu_before, strict=True)
        ]
    timing = summarise(samples, wall)
    return {
        "processes": processes,
        "concurrency": concurrency,
        "seconds": round(wall, 2),
        "responses_per_second": timing.per_second,
        "latency": timing.as_dict(),
        "failures": len(failures),
        "target_per_second": TARGET_PER_SECOND,
        "meets_target": timing.per_second >= TARGET_PER_SECOND and not failures,
        "warm": warm,
        "server_cpu_seconds": server_cpu,
        "load_generator_cpu_seconds": round(own_cpu, 2),
        "note": "the load generator (raw keep-alive HTTP/1.1) shares the 2 cores with the servers",
    }


async def run(
    context,
    *,
    per_zoom: int = 300,
    budget_seconds: float = 60.0,
    seconds: float = 10.0,
    processes: int = 2,
    concurrency: int = 32,
    seed: int = 5,
    throughput_runs: Sequence[str] = THROUGHPUT_RUNS,
) -> dict:
    """Time the map endpoint per zoom against in-memory floors, then its 2-process throughput.

    `throughput_runs` are which of `THROUGHPUT_RUNS` follow the HTTP floor's: each starts
    `processes` fresh servers (seconds each), so a smoke test may ask for fewer.
    """
    # The map shows active requests unless asked otherwise; the floors index the same ones.
    points = await clients.pins(context, statuses=sorted(ACTIVE))
    if not len(points):
        return {"skipped": "no help requests: run with --rows N"}
    rng = np.random.default_rng(seed)
    viewports = {
        zoom: [viewport(*points[i], zoom) for i in rng.integers(0, len(points), per_zoom)]
        for zoom in ZOOMS
    }
    started = time.perf_counter()
    levels = {grid.level_for(box, zoom) for zoom, boxes in viewports.items() for box in boxes}
    index = ClusterIndex(points, levels)
    index_seconds = time.perf_counter() - started
    by_lon = np.argsort(points[:, 1], kind="stable")
    lons, lats = points[by_lon, 1], points[by_lon, 0]
    urls = [
        f"{PATH}?bbox={bbox_param(box)}&zoom={zoom}"
        for zoom, boxes in viewports.items()
        for box in boxes
    ]
    rng.shuffle(urls)
    # The same viewports moved by k millionths of a degree on pass k: no URL comes twice (so
    # none is an exact repeat, `jitasa.map.repeats`), yet each covers its cells as before.
    boxes = [(zoom, box) for zoom, zoom_boxes in viewports.items() for box in zoom_boxes]
    order = rng.permutation(len(boxes))
    every_url_new = [
        f"{PATH}?bbox={bbox_param([v + k * 1e-6 for v in boxes[i][1]])}&zoom={boxes[i][0]}"
        for k in range(NEW_URL_PASSES)
        for i in order
    ]
    try:
        zooms = await _per_zoom(context, viewports, index, lons, lats, budget_seconds, urls)
    except AssertionError as broken:
        return {"error": str(broken), "points": len(points)}
    body = zooms.pop("typical_answer")
    floor_file = context.settings.data_dir / "floor-body.json"
    floor_file.write_bytes(body)
    options = {"processes": processes, "seconds": seconds, "concurrency": concurrency}
    # The HTTP floor first, then the map: the map's caches start cold, as after a restart.
    floor = await throughput(
        context,
        [http_floor.PATH],
        command=[sys.executable, "-m", "benchmarks.http_floor"],
        env={http_floor.BODY_FILE: str(floor_file)},
        **options,
    )
    asked = {  # each run's URLs, and whether every server is asked each of them first
        "throughput": (urls, False),
        "throughput_warm": (urls, True),
        "throughput_every_url_new": (every_url_new, False),
    }
    runs = {}
    for name in throughput_runs:
        run_urls, warm = asked[name]
        runs[name] = await throughput(context, run_urls, warm=warm, **options)
    return {
        "points": len(points),
        "facilities_layer": await facilities_bench.map_layer(context, viewports),
        "floor_index_build_seconds": round(index_seconds, 3),
        "index_build_seconds_in_process": zooms.pop("index_build_seconds"),
        "zooms": zooms,
        **runs,
        "throughput_http_floor": {**floor, "body_bytes": len(body)},
        **{
            f"{name}_ratio_to_http_floor": round(
                figures["responses_per_second"] / max(floor["responses_per_second"], 1e-9), 3
            )
            for name, figures in runs.items()
        },
    }


async def _warm_up(connections: list, urls: list[str], processes: int) -> None:
    """Ask every URL of every server once, a connection per server at a time."""

    async def one_server(number: int) -> None:
        for url in urls:
            await connections[number].get(url)

    await asyncio.gather(*(one_server(n) for n in range(processes)))


async def _typical_answer(client, urls: list[str], sample: int = 41) -> bytes:
    """Return the answer of median size among a sample of the map's URLs."""
    bodies = [(await client.get(url)).content for url in urls[:sample]]
    return sorted(bodies, key=len)[len(bodies) // 2]
