"""The roster of an area's volunteers with what they have been doing: tasks, last activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.states import TAKEN, Status
from jitasa.volunteers import service as volunteers_service

if TYPE_CHECKING:  # types only
    from jitasa.accounts.models import User
    from jitasa.volunteers.models import Volunteer

ROSTER_LIMIT = 200


@dataclass(frozen=True)
class RosterRow:
    """A volunteer with their open and finished tasks and when they last did anything."""

    volunteer: Volunteer
    tasks_open: int
    tasks_done: int
    last_active: datetime | None


async def roster(
    session: AsyncSession,
    *,
    staff: User,
    area: str | None,
    client_ip: str,
    cursor: int | None = None,
    limit: int = ROSTER_LIMIT,
) -> tuple[list[RosterRow], str | None]:
    """Return a page of the area's volunteers (audited read), with their activity."""
    volunteers, next_cursor = await volunteers_service.list_volunteers(
        session,
        reader=staff,
        client_ip=client_ip,
        area_prefix=area,
        verified=None,
        limit=limit,
        cursor=cursor,
    )
    user_ids = [v.user_id for v in volunteers]
    tasks: dict[tuple[int, bool], int] = {}
    last: dict[int, datetime] = {}
    if user_ids:
        finished = HelpRequest.status == Status.RESOLVED
        rows = await session.execute(
            select(HelpRequest.claimed_by_id, finished, func.count())
            .where(
                HelpRequest.claimed_by_id.in_(user_ids),
                HelpRequest.status.in_([*TAKEN, Status.RESOLVED]),
            )
            .group_by(HelpRequest.claimed_by_id, finished)
        )
        tasks = {(uid, bool(done)): count for uid, done, count in rows}
        acted = await session.execute(
            select(RequestEvent.actor_id, func.max(RequestEvent.at))
            .where(RequestEvent.actor_id.in_(user_ids))
            .group_by(RequestEvent.actor_id)
        )
        last = dict(acted.all())
    rows = []
    for v in volunteers:
        moments = [m for m in (last.get(v.user_id), v.user.last_sign_in_at) if m is not None]
        rows.append(
            RosterRow(
                volunteer=v,
                tasks_open=tasks.get((v.user_id, False), 0),
                tasks_done=tasks.get((v.user_id, True), 0),
                last_active=max(moments, default=None),
            )
        )
    return rows, next_cursor
