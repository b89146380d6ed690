"""HTTP API of the map: `GET /api/v1/map`, clusters and points of the chosen layers."""

from typing import Annotated

from fastapi import APIRouter, Query

from jitasa.areas import service as areas_service
from jitasa.clusters import grid
from jitasa.core.db import SessionDep
from jitasa.core.errors import NotFound, invalid_field
from jitasa.core.fields import AreaCode
from jitasa.core.words import URGENCIES
from jitasa.help_requests.params import parse_bbox, split_values
from jitasa.help_requests.states import ACTIVE, Status
from jitasa.incidents import service as incidents_service
from jitasa.map.layers import Layer, MapQuery
from jitasa.map.requests_layer import REQUESTS
from jitasa.map.schemas import MapFeatures

router = APIRouter(prefix="/api/v1/map", tags=["map"])
LAYERS: dict[str, Layer] = {layer.name: layer for layer in (REQUESTS,)}
Values = Annotated[list[str] | None, Query(max_length=200)]


async def _query(
    session,
    *,
    bbox: str,
    zoom: int,
    area: str | None,
    category: list[str] | None,
    urgency: list[str] | None,
    status: list[str] | None,
) -> MapQuery:
    """Check the viewport and filters, naming the field of anything unknown."""
    categories = split_values(category, None, "category")
    known = await incidents_service.category_codes(session) if categories else set()
    if set(categories) - known:
        raise invalid_field(
            "category", "{field} must be one of: {expected}.", expected=", ".join(sorted(known))
        )
    if area:
        try:
            await areas_service.get_or_raise(session, code=area)
        except NotFound:
            raise invalid_field("area", "{field} {code} is not a known area.", code=area) from None
    statuses = split_values(status, {s.value for s in Status}, "status")
    viewport = parse_bbox(bbox)
    return MapQuery(
        bbox=viewport,
        zoom=zoom,
        level=grid.level_for(viewport, zoom),
        area=area,
        categories=categories,
        urgencies=split_values(urgency, URGENCIES, "urgency"),
        statuses=statuses or sorted(ACTIVE),
    )


@router.get("", response_model=MapFeatures)
async def map_features(
    session: SessionDep,
    bbox: Annotated[str, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")],
    zoom: Annotated[int, Query(ge=0, le=20)],
    layers: Annotated[str, Query(max_length=200)] = "requests",
    area: Annotated[AreaCode | None, Query()] = None,
    category: Values = None,
    urgency: Values = None,
    status: Values = None,
) -> dict:
    """Return the viewport's clusters and points as GeoJSON; active requests unless asked."""
    names = split_values([layers], set(LAYERS), "layers")
    if not names:
        raise invalid_field("layers", "{field} must name at least one layer.")
    query = await _query(
        session,
        bbox=bbox,
        zoom=zoom,
        area=area,
        category=category,
        urgency=urgency,
        status=status,
    )
    features, totals = [], {}
    for name in dict.fromkeys(names):
        answer = await LAYERS[name].answer(session, query)
        features.extend(answer.features)
        totals[name] = answer.total
    return {
        "type": "FeatureCollection",
        "bbox": list(query.bbox),
        "zoom": zoom,
        "totals": totals,
        "features": features,
    }
