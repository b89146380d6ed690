"""Keeping notifications only as long as needed (PDPA): the retention sweep's work.

A notification holds an address (a phone, a LINE user id, an e-mail) and a text that may name
a volunteer and their phone, so it is kept `retention_days` after it was last touched once it
is final (sent, failed or withdrawn) — long enough for coordinators to review what happened,
then deleted. One still waiting is never deleted here. A LINE draft is usable for
`intake.DRAFT_LIFETIME` (a day) and a link code for `linking.CODE_LIFETIME`: both are deleted
once they can no longer be used.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.notifications.intake import DRAFT_LIFETIME
from jitasa.notifications.models import Delivery, LineDraft, LineLinkCode, Notification

FINAL = (Delivery.SENT, Delivery.FAILED, Delivery.WITHDRAWN)


async def purge(session: AsyncSession, *, now: datetime, limit: int, retention_days: int) -> int:
    """Delete up to `limit` each of old final notifications, dead drafts and expired link
    codes; return how many rows went (the sweep runs it again while that reaches `limit`)."""
    cutoff = now - timedelta(days=retention_days)
    old_notifications = (
        select(Notification.id)
        .where(Notification.state.in_(FINAL), Notification.updated_at < cutoff)
        .limit(limit)
    )
    dead_drafts = (
        select(LineDraft.id).where(LineDraft.created_at < now - DRAFT_LIFETIME).limit(limit)
    )
    expired_codes = select(LineLinkCode.code_hash).where(LineLinkCode.expires_at < now).limit(limit)
    deleted = 0
    for table, key, ids in (
        (Notification, Notification.id, old_notifications),
        (LineDraft, LineDraft.id, dead_drafts),
        (LineLinkCode, LineLinkCode.code_hash, expired_codes),
    ):
        found = list(await session.scalars(ids))
        if found:
            await session.execute(delete(table).where(key.in_(found)))
        deleted += len(found)
    return deleted


STRANDED = "the worker sending it stopped during its last try"


async def fail_stranded(
    session: AsyncSession, *, now: datetime, limit: int, max_attempts: int, lease: timedelta
) -> int:
    """Mark failed the notifications whose last try began and never ended; return how many.

    Each try is written down as it starts and its end as it ends, so a row still waiting with
    every try used, untouched for longer than a job's lease, lost its worker mid-send on its
    last try: the queue has given the job up, and the row must say so instead of "waiting".
    """
    stranded = list(
        await session.scalars(
            select(Notification.id)
            .where(
                Notification.state == Delivery.QUEUED,
                Notification.attempts >= max_attempts,
                Notification.updated_at < now - lease,
            )
            .limit(limit)
        )
    )
    if stranded:
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(stranded), Notification.state == Delivery.QUEUED)
            .values(state=Delivery.FAILED, last_error=STRANDED, updated_at=now)
        )
    return len(stranded)
