"""Notifications: written with the change that causes them, sent by jobs, their state kept.

`queue` writes a notification row and its `notifications.send` job in the caller's transaction
(the outbox consumer's, which also moves its cursor), once per `dedupe_key`. The job sends it
(`delivery.py`); the row says whether it was sent, or failed and why, for coordinators.
"""

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core import jobs
from jitasa.core.db import utcnow
from jitasa.notifications.models import Delivery, Notification, Preference
from jitasa.notifications.schemas import PreferencesIn

SEND = "notifications.send"
# The states of a message that reached someone or is on its way: what limits and counts of
# "who was alerted" count. A withdrawn or failed message was never sent: it counts nowhere.
COUNTED = (Delivery.QUEUED, Delivery.SENT)


async def queue(
    session: AsyncSession,
    *,
    kind: str,
    channel: str,
    address: str,
    text: str,
    dedupe_key: str,
    max_attempts: int,
    user_id: int | None = None,
    request_id: int | None = None,
    send_after: datetime | None = None,
) -> int | None:
    """Write one notification and queue the job that sends it; None if its key was used before."""
    now = utcnow()
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        module.insert(Notification)
        .values(
            kind=kind,
            channel=channel,
            address=address,
            text=text,
            dedupe_key=dedupe_key[:160],
            user_id=user_id,
            request_id=request_id,
            state=Delivery.QUEUED,
            attempts=0,
            created_at=now,
            updated_at=now,
            send_after=send_after or now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id)
    )
    notification_id = await session.scalar(statement)
    if notification_id is None:
        return None
    await jobs.enqueue(
        session,
        SEND,
        {"notification_id": notification_id, "max_attempts": max_attempts},
        max_attempts=max_attempts,
        run_after=send_after,
    )
    return notification_id


async def of_request(session: AsyncSession, *, request_id: int) -> list[Notification]:
    """Return a request's notifications, oldest first (staff only: they hold addresses)."""
    statement = (
        select(Notification).where(Notification.request_id == request_id).order_by(Notification.id)
    )
    return list(await session.scalars(statement))


async def counts_by_request(
    session: AsyncSession, *, request_ids: set[int], kind: str
) -> dict[int, int]:
    """Count the notifications of one kind about each of these requests (absent: 0) that were
    sent or are on their way (`COUNTED`): this says who was alerted, not whether a phone rang,
    and a message withdrawn or failed alerted nobody.
    """
    if not request_ids:
        return {}
    rows = await session.execute(
        select(Notification.request_id, func.count())
        .where(
            Notification.request_id.in_(request_ids),
            Notification.kind == kind,
            Notification.state.in_(COUNTED),
        )
        .group_by(Notification.request_id)
    )
    return {request_id: count for request_id, count in rows}


async def sent_recently(
    session: AsyncSession, *, user_id: int, kind: str, since: timedelta, now: datetime
) -> int:
    """Count the notifications of one kind written for a person in the last `since` that were
    sent or are on their way (`COUNTED`): a withdrawn or failed one uses up no limit."""
    return await session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.kind == kind,
            Notification.created_at > now - since,
            Notification.state.in_(COUNTED),
        )
    )


async def withdraw_held(
    session: AsyncSession, *, request_id: int, kinds: set[str], reason: str, now: datetime
) -> int:
    """Withdraw the messages of `kinds` about a request that wait for a later time (quiet
    hours) and were never tried, with `reason`; return how many. A message due now is left to
    its send-time check: a worker may be sending it."""
    if not kinds:
        return 0
    withdrawn = await session.execute(
        update(Notification)
        .where(
            Notification.request_id == request_id,
            Notification.kind.in_(kinds),
            Notification.state == Delivery.QUEUED,
            Notification.attempts == 0,
            Notification.send_after > now,
        )
        .values(state=Delivery.WITHDRAWN, last_error=reason, updated_at=now)
    )
    return withdrawn.rowcount


async def preferences_of(session: AsyncSession, *, user_id: int) -> Preference | None:
    """Return a person's notification preferences, or None when they never set any."""
    return await session.get(Preference, user_id)


async def save_preferences(
    session: AsyncSession, *, user_id: int, preferences_in: PreferencesIn
) -> Preference:
    """Create or replace a person's preferences (a linked LINE account stays linked)."""
    preference = await session.get(Preference, user_id)
    if preference is None:
        preference = Preference(user_id=user_id)
        session.add(preference)
    for name, value in preferences_in.model_dump().items():
        setattr(preference, name, value)
    preference.updated_at = utcnow()
    await session.flush()
    return preference
