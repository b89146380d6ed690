"""HTTP API of the map: `GET /api/v1/map`, clusters and points of the chosen layers."""

from contextlib import asynccontextmanager
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.clusters import grid
from jitasa.clusters.follow import Follower
from jitasa.clusters.index import CellIndex
from jitasa.clusters.layers import MapLayer, MapQuery
from jitasa.core.db import request_session
from jitasa.core.errors import NotFound, invalid_field
from jitasa.core.fields import AreaCode
from jitasa.core.map_params import BBox, ZoomParam, parse_bbox, split_values
from jitasa.map import repeats
from jitasa.map.cache import AnswerCache
from jitasa.map.layers import answer
from jitasa.map.registry import LAYERS
from jitasa.map.schemas import MapFeatures

router = APIRouter(prefix=repeats.PATH, tags=["map"])
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


@router.get(
    "",
    response_model=MapFeatures,
    openapi_extra={"parameters": _filter_parameters()},
    responses={304: {"description": "Not modified: the answer has the ETag sent"}},
)
async def map_features(
    request: Request,
    bbox: Annotated[str, Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat")],
    zoom: ZoomParam,
    layers: Annotated[str, Query(max_length=200)] = "requests",
    area: Annotated[AreaCode | None, Query()] = None,
) -> Response:
    """Return the viewport's clusters and points as GeoJSON; active requests unless asked.

    The answer is public and the same for everyone: it carries an `ETag` and
    `Cache-Control: public, max-age=5`, and an `If-None-Match` holding its ETag gets 304.
    Answers are kept per process until a change of their layers (`jitasa.map.cache`); the
    national counts are read from the process's index (`jitasa.clusters.index`).
    """
    names = tuple(dict.fromkeys(split_values([layers], set(LAYERS), "layers")))
    if not names:
        raise invalid_field("layers", "{field} must name at least one layer.")
    viewport = parse_bbox(bbox)
    level = grid.level_for(viewport, zoom)
    chosen = [LAYERS[name] for name in names]
    wanted = dict.fromkeys(d.filter for layer in chosen for d in layer.dimensions)
    raw = tuple((name, tuple(request.query_params.getlist(name))) for name in wanted)
    cache: AnswerCache = request.app.state.map_cache
    key = (names, level, grid.base(viewport), area, raw)
    stored = cache.get(key, names)
    if stored is None:
        versions = cache.versions(names)
        follower: Follower = request.app.state.map_index
        await follower.ensure(request.app.state.read_session_factory)
        async with asynccontextmanager(request_session)(request) as session:
            tail = await _answer(
                session, request, chosen, viewport, zoom, level, area, follower.current()
            )
        stored = cache.put(key, names, versions, tail)
    head = b'{"type":"FeatureCollection","bbox":%s,"zoom":%d' % (orjson.dumps(viewport), zoom)
    cache.remember_url(request.scope["query_string"], key, names, head)
    status, headers, body = repeats.respond(head, stored, request.headers.get("if-none-match"))
    return Response(body, status_code=status, headers=headers)


async def _answer(
    session: AsyncSession,
    request: Request,
    chosen: list[MapLayer],
    viewport: BBox,
    zoom: int,
    level: int,
    area: str | None,
    index: CellIndex | None,
) -> bytes:
    """Make the totals and features of a viewport, as the JSON that follows bbox and zoom."""
    filters = await _filters(session, request, chosen)
    if area:
        try:
            await areas_service.get_or_raise(session, code=area)
        except NotFound:
            raise invalid_field("area", "{field} {code} is not a known area.", code=area) from None
    features, totals = [], {}
    for layer in chosen:
        query = _query(layer, bbox=viewport, zoom=zoom, area=area, filters=filters)
        layer_answer = await answer(session, layer, query, index)
        features.extend(layer_answer.features)
        totals[layer.name] = layer_answer.total
    return b',"totals":%s,"features":%s}' % (orjson.dumps(totals), orjson.dumps(features))
