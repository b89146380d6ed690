"""Which area a desk, dashboard or report covers: the one asked for, else the person's own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.areas import service as areas_service
from jitasa.core.words import CODE_LENGTHS

if TYPE_CHECKING:  # types only
    from jitasa.accounts.models import User


async def area_of(
    session: AsyncSession, *, user: User | None, area: str | None, action: Action
) -> str | None:
    """Return the area to show (None: the whole country, admins only).

    An unknown area is 404 (area codes are public), one outside the person's scope 403.
    """
    chosen = area or (user.area_code if user is not None else None)
    if chosen:
        await areas_service.get_or_raise(session, code=chosen)
    policy.require(user, action, area_code=chosen)
    return chosen


def child_code_length(area: str | None) -> int | None:
    """Return the length of the codes of an area's children (provinces under the country)."""
    longer = [length for length in sorted(CODE_LENGTHS) if length > len(area or "")]
    return longer[0] if longer else None
