"""The outbox read by many consumers: each keeps its own cursor, so none takes another's events.

A consumer (realtime today; notifications, the dashboard, offline sync next) registers its name
and runs `deliver` with a handler; each pass locks the consumer's cursor row (`FOR UPDATE` on
PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE), hands the events past it to the
handler and moves it on in the same transaction, so two processes of one consumer deliver each
event once, and every consumer sees every event.

PostgreSQL may commit ids out of order: id 10 can become visible after 11. A cursor that moved
past 11 remembers 10 as a gap and keeps looking for it for `GAP_SECONDS` (ids a rolled-back
transaction burned never come, and are forgotten then); an event written by a transaction open
longer than that is missed by the consumers. Events are added to the session just before commit
(`events.announce`), so the window between an id being taken and committed is a commit's length.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.core import area_scope
from jitasa.core.db import transaction, utcnow
from jitasa.core.events import OutboxCursor, OutboxEvent

BBox = tuple[float, float, float, float]
GAP_SECONDS = 60.0
MAX_GAPS = 10_000
# The cursor row that marks how far the purge has deleted: not a consumer, never registered.
PURGED = "(purged)"
_consumers: set[str] = set()

Handler = Callable[[Sequence[OutboxEvent]], Awaitable[None]]


def register(consumer: str) -> str:
    """Name a consumer of the outbox: from now on the purge keeps what it has not read."""
    _consumers.add(consumer)
    return consumer


def registered() -> frozenset[str]:
    """Return the consumers registered in this process."""
    return frozenset(_consumers)


def _waiting(cursor: OutboxCursor | None):
    """Return the condition of the events a cursor has still to read."""
    if cursor is None:
        return OutboxEvent.id.is_not(None)
    after = OutboxEvent.id > cursor.last_event_id
    if not cursor.gaps:
        return after
    return or_(after, OutboxEvent.id.in_([int(gap) for gap in cursor.gaps]))


async def has_pending(session: AsyncSession, consumer: str) -> bool:
    """Tell whether any event waits for the consumer (a cheap check that locks nothing)."""
    cursor = await session.get(OutboxCursor, consumer)
    return await session.scalar(select(OutboxEvent.id).where(_waiting(cursor)).limit(1)) is not None


async def _locked_cursor(session: AsyncSession, consumer: str) -> OutboxCursor:
    """Return the consumer's cursor, locked; a new one starts before the oldest event kept."""
    dialect = session.get_bind().dialect.name
    oldest = await session.scalar(select(func.min(OutboxEvent.id)))
    module = postgresql if dialect == "postgresql" else sqlite
    await session.execute(
        module.insert(OutboxCursor)
        .values(consumer=consumer, last_event_id=(oldest or 1) - 1, gaps={}, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["consumer"])
    )
    statement = select(OutboxCursor).where(OutboxCursor.consumer == consumer)
    statement = statement.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(statement)


def _advance(cursor: OutboxCursor, rows: Sequence[OutboxEvent], *, now: datetime) -> None:
    """Move the cursor past the rows read, noting the ids skipped over and forgetting old gaps."""
    gaps = {int(gap): seen for gap, seen in cursor.gaps.items()}
    last = cursor.last_event_id
    for row in rows:
        if row.id <= last:
            gaps.pop(row.id, None)
            continue
        for missing in range(max(last + 1, row.id - MAX_GAPS), row.id):
            gaps[missing] = now.isoformat()
        last = row.id
    oldest = (now - timedelta(seconds=GAP_SECONDS)).isoformat()
    kept = sorted(gap for gap, seen in gaps.items() if seen >= oldest)[-MAX_GAPS:]
    cursor.gaps = {str(gap): gaps[gap] for gap in kept}
    cursor.last_event_id = last
    cursor.updated_at = now


async def deliver(
    session_factory: async_sessionmaker[AsyncSession],
    read_session_factory: async_sessionmaker[AsyncSession],
    consumer: str,
    handle: Handler,
    *,
    batch_size: int,
) -> int:
    """Hand the events waiting for `consumer` to `handle`, a batch per transaction; count them.

    The cursor moves in the transaction that read the batch, after `handle` returned: a crash
    in between hands the batch over again (at least once). `handle` runs while the cursor is
    locked (on SQLite, the write lock), so it must be a quick hand-off: the hub's publish (in
    memory, or one Redis round trip), or queueing jobs; a consumer that talks to the outside
    world (SMS, LINE) queues a job per message and the job sends, never the handler.
    """
    # A read first: an idle poll never takes SQLite's write lock.
    async with read_session_factory() as session:
        if not await has_pending(session, consumer):
            return 0
    total = 0
    while True:
        async with transaction(session_factory) as session:
            cursor = await _locked_cursor(session, consumer)
            statement = select(OutboxEvent).where(_waiting(cursor)).order_by(OutboxEvent.id)
            rows = list(await session.scalars(statement.limit(batch_size)))
            if rows:
                await handle(rows)
            _advance(cursor, rows, now=utcnow())
        total += len(rows)
        if len(rows) < batch_size:
            return total


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
        statement = statement.where(area_scope.inside(OutboxEvent.area_code, area))
    if bbox:
        west, south, east, north = bbox
        statement = statement.where(
            OutboxEvent.lon.between(west, east), OutboxEvent.lat.between(south, north)
        )
    newest = await session.scalars(statement.order_by(OutboxEvent.id.desc()).limit(limit))
    return list(reversed(newest.all()))


async def positions(session: AsyncSession) -> tuple[int, int | None]:
    """Return the highest event id the purge has deleted (0: none) and the newest id kept."""
    purged = select(OutboxCursor.last_event_id).where(OutboxCursor.consumer == PURGED)
    newest = await session.scalar(select(func.max(OutboxEvent.id)))
    return (await session.scalar(purged) or 0), newest


async def purge_passed(
    session: AsyncSession, *, now: datetime, retention: timedelta, limit: int
) -> int:
    """Delete up to `limit` events every consumer has read and older than `retention`.

    A registered consumer that never ran keeps everything; a cursor of a consumer this process
    does not know holds events back only while it moved within `retention` (a retired or
    renamed consumer must not keep personal data forever). The newest event is always kept, so
    that SQLite never hands out an id again after the outbox was emptied.
    """
    read = select(OutboxCursor.consumer, OutboxCursor.last_event_id).where(
        OutboxCursor.consumer != PURGED,
        or_(
            OutboxCursor.consumer.in_(registered()),
            OutboxCursor.updated_at >= now - retention,
        ),
    )
    cursors = dict((await session.execute(read)).all())
    newest = await session.scalar(select(func.max(OutboxEvent.id)))
    if not cursors or registered() - cursors.keys() or newest is None:
        return 0
    passed = min(cursors.values())
    old = (
        select(OutboxEvent.id)
        .where(OutboxEvent.id <= passed, OutboxEvent.id < newest, OutboxEvent.at < now - retention)
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
        await _mark_purged(session, max(ids))
    return len(ids)


async def _mark_purged(session: AsyncSession, through: int) -> None:
    """Note that events up to `through` are deleted: a client resuming before it must reload."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(OutboxCursor).values(
        consumer=PURGED, last_event_id=through, gaps={}, updated_at=utcnow()
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["consumer"],
            set_={"last_event_id": through, "updated_at": statement.excluded.updated_at},
            where=OutboxCursor.last_event_id < through,
        )
    )
