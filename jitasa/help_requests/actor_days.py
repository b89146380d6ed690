"""Who acted on the timeline on each Bangkok day, kept exact in the transaction of every change.

`ActorDay` holds one row per Bangkok day and user for every user who is the actor of at least
one timeline entry of that day, so the dashboard counts the volunteers active on a day from
that day's rows instead of seeking every volunteer's timeline.

Entries the ORM adds are seen by the flush; entries it changes or removes, and the entries of
requests it removes, mark their (actor, day) to be checked at commit, when the row goes if no
entry of that actor is left on that day. Statements that write entries in bulk say so: `acted`
(an import's entries), `check` (entries that lose their actor). Rows are written just before
the commit, in key order; a rolled-back transaction's changes are dropped.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, bindparam, delete, event, func, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from jitasa.core.thai import BANGKOK
from jitasa.help_requests.models import ActorDay, HelpRequest, RequestEvent
from jitasa.help_requests.timing_sql import day_of
from jitasa.help_requests.timings import bangkok_day

_PENDING = "jitasa.actor_days_pending"
_MOVED = ("actor_id", "at")


def _pending(session: AsyncSession | Session) -> tuple[set, set]:
    """Return the transaction's (actor, day) pairs that acted, and those to check again."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    return sync.info.setdefault(_PENDING, (set(), set()))


def _pairs(entries: Iterable[tuple[int | None, datetime | None]]) -> set[tuple[int, date]]:
    """Return the (actor, Bangkok day) of timeline entries that have an actor and a time."""
    return {(actor, bangkok_day(at)) for actor, at in entries if actor is not None and at}


def acted(session: AsyncSession | Session, entries: Iterable[tuple[int | None, datetime]]) -> None:
    """Count entries (actor, at) a statement wrote to the timeline."""
    _pending(session)[0].update(_pairs(entries))


def check(session: AsyncSession | Session, entries: Iterable[tuple[int | None, datetime]]) -> None:
    """Check again, at commit, the days of entries (actor, at) that a statement changed or
    removed: whether their actor still acted on those days."""
    _pending(session)[1].update(_pairs(entries))


def _old(obj: RequestEvent, name: str):
    """Return an attribute of a timeline entry as the database holds it before the flush."""
    history = inspect(obj).attrs[name].history
    return history.deleted[0] if history.deleted else getattr(obj, name)


def _moved(obj: RequestEvent) -> bool:
    """Tell whether a flush changes the actor or the time of a timeline entry."""
    return any(inspect(obj).attrs[name].history.has_changes() for name in _MOVED)


@event.listens_for(Session, "before_flush")
def _before(session: Session, _context, _instances) -> None:
    """Mark the days of entries the flush changes or removes (with their requests) to check."""
    gone: list[int] = []
    for obj in session.dirty:
        if isinstance(obj, RequestEvent) and _moved(obj):
            check(session, [(_old(obj, "actor_id"), _old(obj, "at"))])
    for obj in session.deleted:
        if isinstance(obj, RequestEvent):
            check(session, [(_old(obj, "actor_id"), _old(obj, "at"))])
        elif isinstance(obj, HelpRequest) and obj.id is not None:
            gone.append(obj.id)
    if gone:  # their entries go with them (ON DELETE CASCADE)
        rows = session.connection().execute(
            select(RequestEvent.actor_id, RequestEvent.at).where(
                RequestEvent.request_id.in_(sorted(gone)), RequestEvent.actor_id.is_not(None)
            )
        )
        check(session, rows.all())


@event.listens_for(Session, "after_flush")
def _after(session: Session, _context) -> None:
    """Count the entries the flush added, or moved to another actor or time."""
    for obj in session.new:
        if isinstance(obj, RequestEvent):
            acted(session, [(obj.actor_id, obj.at)])
    for obj in session.dirty:
        if isinstance(obj, RequestEvent) and _moved(obj):
            acted(session, [(obj.actor_id, obj.at)])


def _start(day: date) -> datetime:
    """Return the first moment of a Bangkok day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=BANGKOK).astimezone(UTC)


@event.listens_for(Session, "before_commit")
def _apply(session: Session) -> None:
    """Write the transaction's actors and days, then drop the checked ones nobody acted on."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    added, checked = session.info.pop(_PENDING, (set(), set()))
    if added:
        module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            module.insert(ActorDay).on_conflict_do_nothing(),
            [{"day": day, "actor_id": actor} for actor, day in sorted(added)],
        )
    if checked:  # a bulk DELETE of many rows: through the Core tables
        days, entries = ActorDay.__table__, RequestEvent.__table__
        still = (
            select(entries.c.id)
            .where(
                entries.c.actor_id == bindparam("actor"),
                entries.c.at >= bindparam("start"),
                entries.c.at < bindparam("end"),
            )
            .exists()
        )
        session.connection().execute(
            delete(days).where(
                and_(days.c.actor_id == bindparam("actor"), days.c.day == bindparam("on")),
                ~still,
            ),
            [
                {"actor": a, "on": d, "start": _start(d), "end": _start(d + timedelta(days=1))}
                for a, d in sorted(checked)
            ],
        )


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the changes of a rolled-back transaction."""
    session.info.pop(_PENDING, None)


def fill_statement(dialect: str) -> str:
    """Return the INSERT that fills the (empty) table from the timeline (migration 0031 holds
    a copy)."""
    day = day_of(dialect, "at")
    return (
        f"INSERT INTO help_request_actor_days (day, actor_id) "
        f"SELECT DISTINCT {day}, actor_id FROM help_request_events WHERE actor_id IS NOT NULL"
    )


async def recount(session: AsyncSession) -> int:
    """Rebuild the table from the timeline in this transaction; return the rows written."""
    await session.flush()
    session.sync_session.info.pop(_PENDING, None)  # the recount counts them already
    await session.execute(delete(ActorDay))
    await session.execute(text(fill_statement(session.get_bind().dialect.name)))
    return await session.scalar(select(func.count()).select_from(ActorDay)) or 0
