"""HTTP API of vaccination: coverage per area (public aggregates)."""

from typing import Annotated

from fastapi import APIRouter, Query

from jitasa.accounts.deps import OptionalUser
from jitasa.core.db import SessionDep
from jitasa.vaccination import views
from jitasa.vaccination.schemas import CoverageAnswer

router = APIRouter(prefix="/api/v1/vaccination", tags=["vaccination"])


@router.get("/coverage", response_model=CoverageAnswer)
async def get_coverage(
    session: SessionDep,
    user: OptionalUser,
    area: Annotated[
        str | None,
        Query(max_length=12, description="Area code: 2, 4, 6 or 8 digits (default: Thailand)"),
    ] = None,
) -> CoverageAnswer:
    """Return an area's coverage, each child area's, and the trend over dates (anyone).

    Population and people given doses 1, 2, 3 and boosters, rolled up village → subdistrict →
    district → province: an area's figure is its own latest row, else its children's sum.
    Small groups are hidden (`suppressed`, nulls) unless the reader is area staff or the
    village's verified อสม. (`views`: villages, counts of 1–9 people). 422 for a malformed
    code, 404 for an unknown area.
    """
    sees = await views.reader_of(session, user)
    return await views.coverage_answer(session, area=area or "", sees=sees)
