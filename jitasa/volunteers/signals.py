"""What a change of volunteers tells the live pages: an area's volunteer figures moved.

The dashboard counts the volunteers living in an area, verified and waiting; each change of
those figures records an event in the area of the home it concerns, so the page refreshes as it
does for requests. No event carries personal data: the public payload is empty (an import's:
how many), and staff who may verify volunteers of the area see the volunteer's id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.policy import Action
from jitasa.core import events

REGISTERED = "volunteer.registered"
VERIFIED = "volunteer.verified"
UNVERIFIED = "volunteer.unverified"  # verification cleared: the volunteer moved home
MOVED = "volunteer.moved"  # the home area changed: one event in each of the two areas
IMPORTED = "volunteers.imported"


def changed(
    session: AsyncSession, kind: str, *, volunteer_id: int, area_code: str, user_id: int
) -> None:
    """Record that one volunteer's figures moved in `area_code` (their home area)."""
    events.record(
        session,
        kind=kind,
        area_code=area_code,
        lat=None,
        lon=None,
        public={},
        full={"volunteer_id": volunteer_id, "user_id": user_id},
        full_view_action=Action.VERIFY_VOLUNTEER,
    )


def imported(session: AsyncSession, area_codes: Iterable[str]) -> None:
    """Record an import batch: one event per home area, with how many volunteers it gained."""
    for area_code, count in sorted(Counter(area_codes).items()):
        events.record(
            session,
            kind=IMPORTED,
            area_code=area_code,
            lat=None,
            lon=None,
            public={"count": count},
            full={"count": count},
            full_view_action=Action.VERIFY_VOLUNTEER,
        )
