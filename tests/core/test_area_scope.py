"""An area's rows read by a range of area codes are exactly those whose code starts with it."""

import pytest
from sqlalchemy import select

from jitasa.areas.models import Area
from jitasa.core import area_scope

# A province, a district, a subdistrict, a village-shaped code, the highest codes (the range's
# end is padded with 9s), and codes no area has: not digits, LIKE's wildcards, Thai digits.
ASKED = ["50", "5001", "500101", "50010103", "96", "9613", "1", "", "5%", "5_", "๕๐", "50a"]


@pytest.mark.parametrize("code", ASKED)
async def test_a_range_of_codes_holds_exactly_the_codes_starting_with_the_area(session, code):
    every = list(await session.scalars(select(Area.code)))
    inside = set(await session.scalars(select(Area.code).where(area_scope.inside(Area.code, code))))
    assert inside == {c for c in every if c.startswith(code)}
    if code in ("50", "96"):
        assert len(inside) > 50  # a province holds its districts and subdistricts
