"""Answering a viewport for any declared layer: exact clusters, and points at street zoom."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters import grid
from jitasa.clusters import service as clusters
from jitasa.clusters.grouping import Cluster, cluster_items
from jitasa.clusters.index import CellIndex
from jitasa.clusters.layers import MapLayer, MapQuery

# Districts and subdistricts hold few enough items to cluster them row by row.
ROW_BY_ROW_AREA_LENGTH = 4


@dataclass(frozen=True)
class LayerAnswer:
    """A layer's features in the viewport and how many items they hold together."""

    features: list[dict]
    total: int


async def _clusters(
    session: AsyncSession, layer: MapLayer, query: MapQuery, index: CellIndex | None
) -> list[Cluster]:
    """Cluster the viewport from the counts (the national ones in memory when `index` is
    given), or from the rows of a district's items."""
    if query.area and len(query.area) >= ROW_BY_ROW_AREA_LENGTH:
        items = await clusters.items_in(
            session, layer=layer, bbox=query.bbox, area=query.area, filters=query.filters
        )
        return cluster_items(items, level=query.level)
    return await clusters.clusters(
        session,
        layer=layer,
        bbox=query.bbox,
        level=query.level,
        province_code=query.area,
        filters=query.filters,
        index=index,
    )


def _pin(cluster: Cluster) -> tuple[float, float]:
    """Return the public pin of a level-0 cluster: the centre of its cell."""
    return grid.centre(cluster.y), grid.centre(cluster.x)


def _centroid(cluster: Cluster) -> tuple[float, float]:
    """Return the pin a lone item of a cluster is counted at (a cell centre, 4 decimals)."""
    return round(cluster.sum_lat / cluster.count, 4), round(cluster.sum_lon / cluster.count, 4)


async def answer(
    session: AsyncSession, layer: MapLayer, query: MapQuery, index: CellIndex | None = None
) -> LayerAnswer:
    """Answer a viewport: every matching item counted once, lone ones as points up close."""
    found = await _clusters(session, layer, query, index)
    # A level-0 cell is one public pin: a lone item there is shown as a point, if it can be.
    # A layer of exact public pins shows a lone item as a point at any level: the pin it is
    # counted at is then its cluster's centroid.
    up_close = layer.points_at is not None and (query.level == 0 or layer.exact_points)
    pin = _pin if query.level == 0 else _centroid
    lone = [pin(c) for c in found if up_close and c.count == 1]
    points = await layer.points_at(session, query, lone) if lone else {}
    features = []
    for cluster in found:
        point = points.get(pin(cluster)) if up_close and cluster.count == 1 else None
        if point is None:
            features.append(cluster_feature(layer, cluster, level=query.level))
        else:
            features.append(point_feature(layer.name, point))
    return LayerAnswer(features, sum(c.count for c in found))


def cluster_feature(layer: MapLayer, cluster: Cluster, *, level: int) -> dict:
    """Return a cluster as a GeoJSON feature: its count, counts by kind, and its cell's bbox."""
    west, south = (cluster.x << level) * grid.STEP, (cluster.y << level) * grid.STEP
    size = (1 << level) * grid.STEP
    return {
        "type": "Feature",
        "id": f"{layer.name}:{level}:{cluster.x}:{cluster.y}",
        "bbox": [round(west, 4), round(south, 4), round(west + size, 4), round(south + size, 4)],
        "geometry": {"type": "Point", "coordinates": [cluster.lon, cluster.lat]},
        "properties": {
            "layer": layer.name,
            "cluster": True,
            "count": cluster.count,
            "counts": {
                dimension.name: counts
                for dimension, counts in zip(layer.dimensions, cluster.by_value, strict=False)
            },
            **(
                {
                    "sums": {
                        m: _number(v) for m, v in zip(layer.measures, cluster.sums, strict=False)
                    }
                }
                if layer.measures
                else {}
            ),
        },
    }


def _number(value: float) -> float | int:
    """Return a sum as a whole number when it is one (beds are counted, not measured)."""
    return int(value) if float(value).is_integer() else round(value, 6)


def point_feature(layer: str, properties: dict) -> dict:
    """Return one item as a GeoJSON point feature from its public view."""
    return {
        "type": "Feature",
        "id": f"{layer}:{properties['id']}",
        "geometry": {"type": "Point", "coordinates": [properties["lon"], properties["lat"]]},
        "properties": {"layer": layer, "cluster": False, "count": 1, **properties},
    }
