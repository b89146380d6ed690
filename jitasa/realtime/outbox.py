"""Queries on the events outbox: what waits to be published, what a resuming client missed, purge.

Several processes may dispatch at once: unpublished rows are claimed with `FOR UPDATE SKIP
LOCKED` on PostgreSQL (SQLite writers are serialised by BEGIN IMMEDIATE), so one process
publishes a row while the others pass it by.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core.events import OutboxEvent

BBox = tuple[float, float, float, float]


async def has_unpublished(session: AsyncSession) -> bool:
    """Tell whether any event waits to be published (a cheap check that locks nothing)."""
    waiting = select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)).limit(1)
    return await session.scalar(waiting) is not None


async def claim_unpublished(session: AsyncSession, *, limit: int) -> list[OutboxEvent]:
    """Lock and return up to `limit` unpublished events, oldest first, skipping others' rows."""
    statement = (
        select(OutboxEvent)
        .where(OutboxEvent.published_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(await session.scalars(statement))


async def mark_published(session: AsyncSession, ids: Sequence[int], *, now: datetime) -> None:
    """Record that these events were handed to the hub."""
    await session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(ids))
        .values(published_at=now)
        .execution_options(synchronize_session=False)
    )


async def replay(
    session: AsyncSession,
    *,
    after_id: int,
    area: str | None,
    bbox: BBox | None,
    limit: int,
) -> list[OutboxEvent]:
    """Return the newest `limit` events after `after_id` in the area and bbox, oldest first."""
    statement = select(OutboxEvent).where(OutboxEvent.id > after_id)
    if area:
        statement = statement.where(OutboxEvent.area_code.startswith(area))
    if bbox:
        west, south, east, north = bbox
        statement = statement.where(
            OutboxEvent.lon.between(west, east), OutboxEvent.lat.between(south, north)
        )
    newest = await session.scalars(statement.order_by(OutboxEvent.id.desc()).limit(limit))
    return list(reversed(newest.all()))


async def purge_published(
    session: AsyncSession, *, now: datetime, retention: timedelta, limit: int
) -> int:
    """Delete up to `limit` events published longer than `retention` ago; return the count."""
    old = (
        select(OutboxEvent.id)
        .where(OutboxEvent.published_at < now - retention)
        .order_by(OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(old))
    if ids:
        await session.execute(
            delete(OutboxEvent)
            .where(OutboxEvent.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(ids)
