"""Query parameters of request lists: bbox, area and filters, checked with clear errors."""

from typing import Annotated

from fastapi import Query

from jitasa.core.errors import invalid_field
from jitasa.core.fields import AreaCode
from jitasa.core.words import URGENCIES
from jitasa.help_requests.schemas import MAX_ID
from jitasa.help_requests.states import Status

BBox = tuple[float, float, float, float]


def parse_bbox(text: str | None) -> BBox | None:
    """Read `min_lon,min_lat,max_lon,max_lat`; refuse anything else with a 422 naming bbox."""
    if text is None:
        return None
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise invalid_field(
            "bbox", "{field} must be four numbers: min_lon,min_lat,max_lon,max_lat."
        ) from None
    if any(v != v or v in (float("inf"), float("-inf")) for v in (west, south, east, north)):
        raise invalid_field(
            "bbox", "{field} must be four numbers: min_lon,min_lat,max_lon,max_lat."
        )
    if not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        raise invalid_field("bbox", "{field} lies outside the world.")
    if west > east or south > north:
        raise invalid_field("bbox", "{field} is inverted: min must not exceed max.")
    return west, south, east, north


def split_values(raw: list[str] | None, allowed: set[str] | None, field: str) -> list[str]:
    """Split repeated or comma-separated values and refuse unknown ones."""
    values = [v.strip() for item in raw or [] for v in item.split(",") if v.strip()]
    unknown = [v for v in values if allowed is not None and v not in allowed]
    if unknown:
        raise invalid_field(
            field, "{field} must be one of: {expected}.", expected=", ".join(sorted(allowed))
        )
    return values


class ListFilters:
    """Filters shared by request lists."""

    def __init__(
        self,
        bbox: Annotated[
            str | None, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")
        ] = None,
        area: Annotated[AreaCode | None, Query()] = None,
        status: Annotated[list[str] | None, Query(max_length=200)] = None,
        category: Annotated[list[str] | None, Query(max_length=200)] = None,
        urgency: Annotated[list[str] | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        cursor: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> None:
        self.bbox = parse_bbox(bbox)
        self.area = area
        self.status = split_values(status, {s.value for s in Status}, "status")
        self.category = split_values(category, None, "category")
        self.urgency = split_values(urgency, URGENCIES, "urgency")
        self.limit = limit
        self.cursor = cursor
