"""HTTP API of the map: `GET /api/v1/map`, clusters and points of the chosen layers."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.clusters import grid
from jitasa.clusters.layers import MapLayer, MapQuery
from jitasa.core.db import SessionDep
from jitasa.core.errors import NotFound, invalid_field
from jitasa.core.fields import AreaCode
from jitasa.core.map_params import BBox, ZoomParam, parse_bbox, split_values
from jitasa.map.layers import answer
from jitasa.map.registry import LAYERS
from jitasa.map.schemas import MapFeatures

router = APIRouter(prefix="/api/v1/map", tags=["map"])
MAX_VALUES = 200


def _filter_parameters() -> list[dict]:
    """Describe every layer's filters for the OpenAPI document (they are read generically)."""
    names = sorted({d.filter for layer in LAYERS.values() for d in layer.dimensions})
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": "Repeated or comma-separated values; filters the layers that have it",
            "schema": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_VALUES},
            "style": "form",
            "explode": True,
        }
        for name in names
    ]


async def _filters(
    session: AsyncSession, request: Request, layers: list[MapLayer]
) -> dict[str, list[str]]:
    """Read the filters the chosen layers accept, naming the field of any unknown value."""
    found = {}
    for name in dict.fromkeys(d.filter for layer in layers for d in layer.dimensions):
        raw = request.query_params.getlist(name)
        if len(raw) > MAX_VALUES:
            raise invalid_field(
                name, "{field} has too many items (at most {max_length}).", max_length=MAX_VALUES
            )
        if not raw:
            continue
        allowed = set()
        for dimension in (d for layer in layers for d in layer.dimensions if d.filter == name):
            allowed |= await dimension.allowed(session)
        found[name] = split_values(raw, allowed, name)
    return found


def _query(layer: MapLayer, *, bbox: BBox, zoom: int, area: str | None, filters: dict) -> MapQuery:
    """Return one layer's query: the asked filters, or each dimension's default values."""
    return MapQuery(
        bbox=bbox,
        zoom=zoom,
        level=grid.level_for(bbox, zoom),
        area=area,
        filters={
            d.name: d.expand(filters.get(d.filter) or list(d.default))
            for d in layer.dimensions
            if filters.get(d.filter) or d.default
        },
    )


@router.get("", response_model=MapFeatures, openapi_extra={"parameters": _filter_parameters()})
async def map_features(
    request: Request,
    session: SessionDep,
    bbox: Annotated[str, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")],
    zoom: ZoomParam,
    layers: Annotated[str, Query(max_length=200)] = "requests",
    area: Annotated[AreaCode | None, Query()] = None,
) -> dict:
    """Return the viewport's clusters and points as GeoJSON; active requests unless asked."""
    names = list(dict.fromkeys(split_values([layers], set(LAYERS), "layers")))
    if not names:
        raise invalid_field("layers", "{field} must name at least one layer.")
    chosen = [LAYERS[name] for name in names]
    filters = await _filters(session, request, chosen)
    if area:
        try:
            await areas_service.get_or_raise(session, code=area)
        except NotFound:
            raise invalid_field("area", "{field} {code} is not a known area.", code=area) from None
    viewport = parse_bbox(bbox)
    features, totals = [], {}
    for layer in chosen:
        query = _query(layer, bbox=viewport, zoom=zoom, area=area, filters=filters)
        layer_answer = await answer(session, layer, query)
        features.extend(layer_answer.features)
        totals[layer.name] = layer_answer.total
    return {
        "type": "FeatureCollection",
        "bbox": list(viewport),
        "zoom": zoom,
        "totals": totals,
        "features": features,
    }
