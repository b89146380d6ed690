"""Query parameters of request lists: bbox, area and filters, checked with clear errors."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Query

from jitasa.core.db import SessionDep
from jitasa.core.fields import MAX_ROW_ID, AreaCode
from jitasa.core.map_params import BBox, BBoxParam, parse_bbox, split_values
from jitasa.core.words import URGENCIES
from jitasa.help_requests.states import Status
from jitasa.incidents import service as incidents_service

Values = Annotated[list[str] | None, Query(max_length=200)]


@dataclass(frozen=True)
class ListFilters:
    """Filters shared by request lists, each value known (an unknown one is a 422 naming it)."""

    bbox: BBox | None
    area: str | None
    status: list[str]
    category: list[str]
    urgency: list[str]
    limit: int
    cursor: int | None


async def list_filters(
    session: SessionDep,
    bbox: BBoxParam = None,
    area: Annotated[AreaCode | None, Query()] = None,
    status: Values = None,
    category: Values = None,
    urgency: Values = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> ListFilters:
    """Read a request list's filters; a status, urgency or category (of any incident) that
    does not exist is a 422 naming the parameter and listing the values it takes."""
    return ListFilters(
        bbox=parse_bbox(bbox),
        area=area,
        status=split_values(status, {s.value for s in Status}, "status"),
        category=await incidents_service.known_categories(session, category),
        urgency=split_values(urgency, URGENCIES, "urgency"),
        limit=limit,
        cursor=cursor,
    )
