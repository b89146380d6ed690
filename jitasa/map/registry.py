"""The layers the map serves: every domain's declared layer, by name."""

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.clusters import service as clusters
from jitasa.clusters.layers import MapLayer
from jitasa.facilities.map_layer import FACILITIES
from jitasa.help_requests.map_layer import REQUESTS

# A new domain adds its declared layer here; nothing else in the map changes.
LAYERS: dict[str, MapLayer] = {layer.name: layer for layer in (REQUESTS, FACILITIES)}


def index_widths() -> dict[str, int]:
    """Return the sums an index keeps per row of each layer: the pins' two, and its measures."""
    return {name: 2 + len(layer.measures) for name, layer in LAYERS.items()}


async def recount_all(session: AsyncSession, *, only_if_empty: bool = False) -> dict[str, int]:
    """Rebuild the counts of every layer (only empty ones with `only_if_empty`); rows by layer."""
    rebuilt = {}
    for layer in LAYERS.values():
        rows = await clusters.recount(session, layer, only_if_empty=only_if_empty)
        if rows is not None:
            rebuilt[layer.name] = rows
    return rebuilt
