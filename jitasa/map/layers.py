"""Map layers: each answers a viewport with GeoJSON features; facilities will join the same way."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters import grid
from jitasa.clusters.service import Cluster

BBox = tuple[float, float, float, float]


@dataclass(frozen=True)
class MapQuery:
    """A viewport and the filters asked for, already checked."""

    bbox: BBox
    zoom: int
    level: int  # of the clusters: grid.level_for(bbox, zoom)
    area: str | None = None
    categories: list[str] = field(default_factory=list)
    urgencies: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LayerAnswer:
    """A layer's features in the viewport and how many items they hold together."""

    features: list[dict]
    total: int


@dataclass(frozen=True)
class Layer:
    """A named layer and the function that answers a viewport for it."""

    name: str
    answer: Callable[[AsyncSession, MapQuery], Awaitable[LayerAnswer]]


def cluster_feature(layer: str, cluster: Cluster, *, level: int) -> dict:
    """Return a cluster as a GeoJSON feature: its count, counts by kind, and its cell's bbox."""
    west, south = (cluster.x << level) * grid.STEP, (cluster.y << level) * grid.STEP
    size = (1 << level) * grid.STEP
    return {
        "type": "Feature",
        "id": f"{layer}:{level}:{cluster.x}:{cluster.y}",
        "bbox": [round(west, 4), round(south, 4), round(west + size, 4), round(south + size, 4)],
        "geometry": {"type": "Point", "coordinates": [cluster.lon, cluster.lat]},
        "properties": {
            "layer": layer,
            "cluster": True,
            "count": cluster.count,
            "counts": {
                "category": cluster.by_category,
                "urgency": cluster.by_urgency,
                "status": cluster.by_status,
            },
        },
    }


def point_feature(layer: str, properties: dict) -> dict:
    """Return one item as a GeoJSON point feature from its public view."""
    return {
        "type": "Feature",
        "id": f"{layer}:{properties['id']}",
        "geometry": {"type": "Point", "coordinates": [properties["lon"], properties["lat"]]},
        "properties": {"layer": layer, "cluster": False, "count": 1, **properties},
    }
