"""HTTP API of the dashboard: the figures of an area for its staff."""

from datetime import date as Day
from typing import Annotated

from fastapi import APIRouter, Query, Request

from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep, utcnow
from jitasa.core.fields import AreaCode
from jitasa.dashboard import scope, stats
from jitasa.dashboard.schemas import FIRST_DAY, LAST_DAY, Stats

router = APIRouter(prefix="/api/v1/stats", tags=["dashboard"])


@router.get("", response_model=Stats)
async def area_stats(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query(description="Area code (default: your own)")] = None,
    date: Annotated[
        Day | None,
        Query(ge=FIRST_DAY, le=LAST_DAY, description="Bangkok day, YYYY-MM-DD (default: today)"),
    ] = None,
) -> dict:
    """Return the dashboard's figures for an area: 403 outside your scope, 404 unknown area."""
    shown = await scope.area_of(session, user=user, area=area, action=Action.READ_STATS)
    stale_hours = request.app.state.settings.facility_stale_hours
    return await stats.figures(session, area=shown, day=date, now=utcnow(), stale_hours=stale_hours)
