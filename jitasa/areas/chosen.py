"""Areas that forms and bodies name: a known code, and the area chosen for a pin no loaded
boundary holds (a shore, a river bank), which must lie near it."""

import shapely
import shapely.ops
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas.models import Area
from jitasa.areas.service import boundaries_of, enclosing_codes, get_or_raise
from jitasa.core import geo
from jitasa.core.errors import NotFound, invalid_field
from jitasa.core.words import LEVEL_LENGTHS, AreaLevel


async def known_area(session: AsyncSession, *, code: str) -> Area:
    """Return the area a form or body names by `area_code`, or raise a 422 naming that field."""
    try:
        return await get_or_raise(session, code=code)
    except NotFound:
        raise invalid_field("area_code", "There is no area with code {code}.", code=code) from None


def level_codes(code: str) -> dict[str, str]:
    """Return an area's own and enclosing codes by level (province, district, subdistrict)."""
    levels = (AreaLevel.PROVINCE, AreaLevel.DISTRICT, AreaLevel.SUBDISTRICT)
    return {
        level: code[: LEVEL_LENGTHS[level]] for level in levels if len(code) >= LEVEL_LENGTHS[level]
    }


# A pin no loaded boundary holds may be named into an area nearby (a river bank, a shore, a
# boundary drawn coarsely); one farther than this from the area's boundary is somewhere else.
CHOSEN_AREA_REACH_KM = 5.0


async def chosen_area(
    session: AsyncSession, *, code: str, lat: float, lon: float, pin_field: str
) -> Area:
    """Return the area chosen for a pin no loaded boundary holds.

    Raises `Invalid` (422) naming `area_code` when no area has the code, and naming `pin_field`
    when the pin lies more than `CHOSEN_AREA_REACH_KM` outside the most precise loaded boundary
    among the area and the areas holding it (a pin in the sea named into a district inland).
    """
    area = await known_area(session, code=code)
    shapes = await boundaries_of(session, codes=set(enclosing_codes(code)))
    if shapes:
        shape = shapes[max(shapes, key=len)]
        edge, _pin = shapely.ops.nearest_points(shape, shapely.Point(lon, lat))
        km = geo.distance_km(lat, lon, edge.y, edge.x)
        if km > CHOSEN_AREA_REACH_KM:
            raise invalid_field(
                pin_field,
                "The pin is {km} km outside area {code}; move it onto the place, or choose the "
                "area it lies in.",
                km=round(km, 1),
                code=code,
            )
    return area
