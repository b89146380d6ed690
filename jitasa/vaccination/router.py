"""HTTP API of vaccination: coverage per area (public aggregates)."""

from typing import Annotated

from fastapi import APIRouter, Query

from jitasa.core.db import SessionDep
from jitasa.vaccination import views
from jitasa.vaccination.schemas import CoverageAnswer

router = APIRouter(prefix="/api/v1/vaccination", tags=["vaccination"])


@router.get("/coverage", response_model=CoverageAnswer)
async def get_coverage(
    session: SessionDep,
    area: Annotated[
        str | None,
        Query(max_length=12, description="Area code: 2, 4, 6 or 8 digits (default: Thailand)"),
    ] = None,
) -> CoverageAnswer:
    """Return an area's coverage, each child area's, and the trend over dates (anyone).

    Population and people given doses 1, 2, 3 and boosters, rolled up village → subdistrict →
    district → province: an area's figure is its own latest row, else its children's sum.
    422 for a malformed code, 404 for an unknown area.
    """
    return await views.coverage_answer(session, area=area or "")
