"""A volunteer's "nearby": the open requests nearest a point, read only as far as needed.

The kept cell counts (`open_cells`) say how far the `limit` nearest open requests reach before
any request is read; then the requests of that reach's box are read once, from the public-pin
index, and ranked. The counts hold every open request, so the volunteer's filters (categories
they may claim, not their own requests) can leave fewer: the box then grows until it holds
enough or reaches the radius. The answer is what ranking every open request would give.
"""

import math
from functools import cache

import orjson
from sqlalchemy import Row, Select, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core import geo
from jitasa.help_requests import open_cells
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestPublic
from jitasa.help_requests.states import Status

# The least step when the box must grow (km): about a cell.
LEAST_GROWTH_KM = 0.5
# The counts hold every open request; the volunteer's filters leave most of them (those they
# may not claim are a few kinds). Asking the counts for this many more saves a second read.
FILTERED_SHARE = 1.2
# What the answer shows of a request: its public view's fields, in their order, the public
# pin as lat/lon.
PUBLIC_COLUMNS = [
    getattr(HelpRequest, f"public_{name}").label(name)
    if name in ("lat", "lon")
    else getattr(HelpRequest, name)
    for name in HelpRequestPublic.model_fields
]


async def open_near(
    session: AsyncSession,
    *,
    lat: float,
    lon: float,
    radius_km: float,
    limit: int,
    categories: Select | None = None,
    not_of_requester_id: int | None = None,
) -> list[tuple[Row, float]]:
    """Return open requests within the radius, nearest first (then oldest id), as rows of
    their public view's fields (`PUBLIC_COLUMNS`), with their distance in km to the metre.

    `categories` is a read of the codes to list (`lifecycle.claimable_categories`), None for
    every one. The probe is moved to the centre of its public cell and distances are to public
    pins, so every probe inside one cell gets the same answer: nothing finer than the public map.
    """
    lat, lon = geo.round_for_privacy(lat, lon)
    filtered = categories is not None or not_of_requester_id is not None
    reach = await open_cells.reach_holding(
        session,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        wanted=math.ceil(limit * FILTERED_SHARE) if filtered else limit,
    )
    while True:
        found = await _open_pins_near(
            session,
            lat=lat,
            lon=lon,
            reach_km=reach,
            categories=categories,
            not_of_requester_id=not_of_requester_id,
        )
        within = sorted((d, row.id, row) for d, row in found if d <= reach)
        if len(within) >= limit or reach >= radius_km:
            break
        # Every request within `reach` is in hand; the filters left too few: read further.
        share = max(len(within), 1) / limit
        reach = min(radius_km, max(reach / share**0.5 * 1.2, reach + LEAST_GROWTH_KM))
    return [(row, d) for d, _id, row in within[:limit]]


@cache
def _box_statement(*, not_of_requester: bool) -> Select:
    """Return the read of a box's open requests (`PUBLIC_COLUMNS`), its values bound at each
    read.

    Public pins are cell centres, so the box is read as one seek of the public-pin index per
    row of cells it crosses (`public_lat IN (…) AND public_lon BETWEEN …`).
    """
    statement = select(*PUBLIC_COLUMNS).where(
        HelpRequest.public_lat.in_(bindparam("rows", expanding=True)),
        HelpRequest.public_lon.between(bindparam("west"), bindparam("east")),
        HelpRequest.status == Status.OPEN,
    )
    if not_of_requester:
        # A request nobody signed in for (an import, the phone desk) is anybody's to see.
        statement = statement.where(
            or_(
                HelpRequest.requester_id.is_(None),
                HelpRequest.requester_id != bindparam("requester_id"),
            )
        )
    return statement


async def _open_pins_near(
    session: AsyncSession,
    *,
    lat: float,
    lon: float,
    reach_km: float,
    categories: Select | None,
    not_of_requester_id: int | None,
) -> list[tuple[float, Row]]:
    """Return (km to the metre, public columns) of the open requests whose public pin is in
    reach's box.

    Distances are to the public pin: exact ones, from points of the asker's choosing, would
    give the exact pin away.
    """
    west, south, east, north = geo.bbox_around(lat, lon, reach_km)
    statement = _box_statement(not_of_requester=not_of_requester_id is not None)
    if categories is not None:  # the read of the codes, inside this statement
        statement = statement.where(HelpRequest.category.in_(categories))
    params = {"rows": geo.cell_centres(south, north), "west": west, "east": east}
    if not_of_requester_id is not None:
        params["requester_id"] = not_of_requester_id
    rows = await (await session.connection()).execute(statement, params)
    return [(round(geo.distance_km(lat, lon, row.lat, row.lon), 3), row) for row in rows]


def as_json(found: list[tuple[Row, float]]) -> bytes:
    """Return nearby's answer, each request's public view and its `distance_km`, as JSON.

    The same document `NearbyRequest` gives (its field order, `Z` times), made without
    validating rows the database just gave: the answer is most of nearby's time otherwise.
    """
    return orjson.dumps(
        [{**row._mapping, "distance_km": km} for row, km in found], option=orjson.OPT_UTC_Z
    )
