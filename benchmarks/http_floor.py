"""The map scenario's HTTP floor: Jitasa's own app with one bare route returning a stored answer.

Only the benchmark builds this app. `GET /bench/floor` answers the body stored in the file that
`JITASA_BENCH_FLOOR_BODY` names (a real map answer of typical size) through the same
middleware, server and settings as `GET /api/v1/map`, without reading anything: what a map
answer costs beyond it is the map's own work. Run as `python -m benchmarks.http_floor --port N`.
"""

import argparse
import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response

from jitasa.cli_support import server_options
from jitasa.core.config import get_settings
from jitasa.main import create_app as create_jitasa_app

PATH = "/bench/floor"
BODY_FILE = "JITASA_BENCH_FLOOR_BODY"


def create_app() -> FastAPI:
    """Return Jitasa's app with the floor route in front of every other."""
    app = create_jitasa_app()
    body = Path(os.environ[BODY_FILE]).read_bytes()

    async def floor() -> Response:
        return Response(body, media_type="application/json")

    app.add_api_route(PATH, floor, methods=["GET"], include_in_schema=False)
    app.router.routes.insert(0, app.router.routes.pop())  # before any catch-all page
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_floor")
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    settings = get_settings()
    uvicorn.run(
        "benchmarks.http_floor:create_app",
        factory=True,
        host=settings.host,
        port=arguments.port,
        **server_options(),
    )
