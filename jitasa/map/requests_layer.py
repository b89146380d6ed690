"""The help requests layer: exact clusters from the cell counts, points at street zoom."""

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters import grid
from jitasa.clusters import service as clusters
from jitasa.core.words import LEVEL_LENGTHS, AreaLevel
from jitasa.help_requests import service as help_requests_service
from jitasa.help_requests.schemas import HelpRequestPublic
from jitasa.help_requests.signals import LAYER
from jitasa.map.layers import Layer, LayerAnswer, MapQuery, cluster_feature, point_feature

# Districts and subdistricts hold few enough requests to cluster them row by row.
ROW_BY_ROW_AREA_LENGTH = LEVEL_LENGTHS[AreaLevel.DISTRICT]


async def _clusters(session: AsyncSession, query: MapQuery) -> list[clusters.Cluster]:
    """Cluster the viewport from the counts, or from the rows of a district's requests."""
    kinds = {
        "categories": query.categories,
        "urgencies": query.urgencies,
        "statuses": query.statuses,
    }
    if query.area and len(query.area) >= ROW_BY_ROW_AREA_LENGTH:
        rows = await help_requests_service.public_pins_in(
            session,
            bbox=query.bbox,
            area=query.area,
            statuses=query.statuses,
            categories=query.categories,
            urgencies=query.urgencies,
        )
        items = (clusters.Item(LAYER, *row) for row in rows)
        return clusters.cluster_items(items, level=query.level)
    return await clusters.clusters(
        session,
        layer=LAYER,
        bbox=query.bbox,
        level=query.level,
        province_code=query.area,
        **kinds,
    )


def _pin(cluster: clusters.Cluster) -> tuple[float, float]:
    """Return the public pin of a level-0 cluster: the centre of its cell."""
    return grid.centre(cluster.y), grid.centre(cluster.x)


async def answer(session: AsyncSession, query: MapQuery) -> LayerAnswer:
    """Answer a viewport: every matching request counted once, lone ones as points up close."""
    found = await _clusters(session, query)
    up_close = query.level == 0  # a level-0 cell is one public pin: a lone request is a point
    lone = [_pin(c) for c in found if up_close and c.count == 1]
    points = await help_requests_service.at_public_pins(
        session,
        pins=lone,
        area=query.area,
        statuses=query.statuses,
        categories=query.categories,
        urgencies=query.urgencies,
    )
    by_pin = {(p.public_lat, p.public_lon): p for p in points}
    features = []
    for cluster in found:
        point = by_pin.get(_pin(cluster)) if up_close and cluster.count == 1 else None
        if point is None:
            features.append(cluster_feature(LAYER, cluster, level=query.level))
        else:
            public = HelpRequestPublic.model_validate(point).model_dump(mode="json")
            features.append(point_feature(LAYER, public))
    return LayerAnswer(features, sum(c.count for c in found))


REQUESTS = Layer(LAYER, answer)
