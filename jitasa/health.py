"""Liveness, readiness and Prometheus metrics endpoints."""

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from jitasa import migrate
from jitasa.accounts.deps import client_ip
from jitasa.core.errors import DomainError, NotFound
from jitasa.core.problems import PROBLEM_JSON, not_ready

router = APIRouter(tags=["operations"])


class Liveness(BaseModel):
    """The process answers."""

    status: Literal["ok"]


class Readiness(BaseModel):
    """Whether the database answers: `database` names the driver's error when it does not."""

    status: Literal["ok", "unavailable"]
    database: str


@router.get("/healthz", response_model=Liveness)
async def healthz() -> dict[str, str]:
    """Say the process is alive."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"description": "The database is unreachable, or not migrated yet"}},
)
async def readyz(request: Request) -> Response:
    """Say whether the database answers and is migrated; 503 when not."""
    try:
        current = await migrate.is_current(request.app.state.engine)
    except Exception as error:  # any driver failure means "not ready", never a 500
        return JSONResponse(
            {"status": "unavailable", "database": type(error).__name__}, status_code=503
        )
    if not current:
        problem: DomainError = not_ready(request, RuntimeError("behind the newest migration"))
        return JSONResponse(
            problem.problem(instance=request.url.path), status_code=503, media_type=PROBLEM_JSON
        )
    return JSONResponse({"status": "ok", "database": "ok"})


LOOPBACK = {"127.0.0.1", "::1"}


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Expose Prometheus metrics: to anyone, or only to this machine (`JITASA_PUBLIC_METRICS`)."""
    if not request.app.state.settings.metrics_are_public and client_ip(request) not in LOOPBACK:
        raise NotFound("http.404", "There is nothing at this address.")
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
