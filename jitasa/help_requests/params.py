"""Query parameters of request lists: bbox, area and filters, checked with clear errors."""

from typing import Annotated

from fastapi import Query

from jitasa.core.fields import MAX_ROW_ID, AreaCode
from jitasa.core.map_params import BBoxParam, parse_bbox, split_values
from jitasa.core.words import URGENCIES
from jitasa.help_requests.states import Status


class ListFilters:
    """Filters shared by request lists."""

    def __init__(
        self,
        bbox: BBoxParam = None,
        area: Annotated[AreaCode | None, Query()] = None,
        status: Annotated[list[str] | None, Query(max_length=200)] = None,
        category: Annotated[list[str] | None, Query(max_length=200)] = None,
        urgency: Annotated[list[str] | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    ) -> None:
        self.bbox = parse_bbox(bbox)
        self.area = area
        self.status = split_values(status, {s.value for s in Status}, "status")
        self.category = split_values(category, None, "category")
        self.urgency = split_values(urgency, URGENCIES, "urgency")
        self.limit = limit
        self.cursor = cursor
