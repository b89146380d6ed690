"""Viewport parameters every map-shaped endpoint shares: bbox, zoom and value lists."""

import math
from collections.abc import Collection
from typing import Annotated

from fastapi import Query

from jitasa.core.errors import invalid_field

BBox = tuple[float, float, float, float]
MAX_ZOOM = 20

BBoxParam = Annotated[
    str | None, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")
]
ZoomParam = Annotated[int, Query(ge=0, le=MAX_ZOOM, description="Web map zoom, 0 to 20")]


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
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise invalid_field(
            "bbox", "{field} must be four finite numbers: min_lon,min_lat,max_lon,max_lat."
        )
    if not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        raise invalid_field("bbox", "{field} lies outside the world.")
    if west > east or south > north:
        raise invalid_field("bbox", "{field} is inverted: min must not exceed max.")
    return west, south, east, north


def one_value(raw: str | None, allowed: Collection[str], field: str) -> str | None:
    """Return a filter's one value, None when it is absent or empty; an unknown value is a
    422 naming `field` and listing the `allowed` values."""
    if not raw:
        return None
    if raw not in allowed:
        raise invalid_field(
            field, "{field} must be one of: {expected}.", expected=", ".join(sorted(allowed))
        )
    return raw


def split_values(raw: list[str] | None, allowed: Collection[str], field: str) -> list[str]:
    """Split repeated or comma-separated values; refuse an unknown one with a 422 naming
    `field` and listing the `allowed` values (a filter never silently matches nothing)."""
    values = [v.strip() for item in raw or [] for v in item.split(",") if v.strip()]
    for value in values:
        one_value(value, allowed, field)
    return values
