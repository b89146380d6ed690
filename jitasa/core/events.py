"""Domain events: written to an outbox table in the changing transaction, read by consumers.

A domain calls `announce()` when an aggregate changes; the event's payloads are built once, from
the aggregate's final state, just before the transaction commits (so a request merged in the
same transaction says whom it was merged into). Nothing leaves the process until the commit.
Each consumer (realtime today; notifications, the dashboard, offline sync next) then reads the
rows past its own cursor in `outbox_cursors`, so no consumer takes another's events, and the
same rows are the log a client resumes from with `Last-Event-ID`.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import JSON, Float, Integer, String, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow

_WRITTEN = "jitasa.events_written"
_PENDING = "jitasa.events_pending"
_KINDS = "jitasa.event_kinds"
_after_commit: list[Callable[[], None]] = []
_after_commit_kinds: list[Callable[[set[str]], None]] = []


class OutboxEvent(Base):
    """One domain event: its kind, where it happened, its payloads and who sees the full one."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    area_code: Mapped[str | None] = mapped_column(String(10))
    # The public (rounded) position: the only one that bbox filters of strangers may test.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    public: Mapped[dict] = mapped_column(JSON)
    full: Mapped[dict] = mapped_column(JSON)
    # The policy action (e.g. "requests.manage") that lets a user, in `area_code`, see `full`;
    # None: nobody gets more than the public view.
    full_view_action: Mapped[str | None] = mapped_column(String(40))


class OutboxCursor(Base):
    """How far one consumer has read the outbox, and the ids below that it has not seen yet."""

    __tablename__ = "outbox_cursors"

    consumer: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    # Ids under `last_event_id` missing when it moved past them, by when they were first missed:
    # on PostgreSQL a lower id may commit later. Each is waited for a short window (GAP_SECONDS).
    gaps: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Draft:
    """What an event says: where it happened, its two views and the action unlocking the full."""

    area_code: str | None
    lat: float | None
    lon: float | None
    public: dict
    full: dict
    full_view_action: str | None


def record(
    session: AsyncSession | Session,
    *,
    kind: str,
    area_code: str | None,
    lat: float | None,
    lon: float | None,
    public: dict,
    full: dict,
    full_view_action: str | None = None,
) -> None:
    """Add an event to the outbox of the session's transaction; it leaves after the commit."""
    session.add(
        OutboxEvent(
            kind=kind,
            area_code=area_code,
            lat=lat,
            lon=lon,
            public=public,
            full=full,
            full_view_action=full_view_action,
            at=utcnow(),
        )
    )
    session.info[_WRITTEN] = True
    session.info.setdefault(_KINDS, set()).add(kind)


def announce(
    session: AsyncSession, subject: object, *, kind: str, describe: Callable[[object], Draft]
) -> None:
    """Record one `kind` event for `subject`, described as it stands when the transaction commits.

    A subject announced twice in one transaction gets one event, of the first kind announced
    (a request created and then changed is `request.created`).
    """
    pending = session.info.setdefault(_PENDING, {})
    pending.setdefault(id(subject), (subject, kind, describe))


@event.listens_for(Session, "before_commit")
def _describe_pending(session: Session) -> None:
    """Build the announced events from the final state of their subjects, before the commit."""
    pending = session.info.pop(_PENDING, None)
    for subject, kind, describe in (pending or {}).values():
        record(session, kind=kind, **asdict(describe(subject)))


def on_commit(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after every commit that wrote events; return a function that stops it."""
    _after_commit.append(callback)
    return lambda: _after_commit.remove(callback)


def on_commit_kinds(callback: Callable[[set[str]], None]) -> Callable[[], None]:
    """Call `callback` with the kinds of events each commit wrote; return a function that stops it.

    It runs in the committing thread before the commit returns (an answer cache of this process
    forgets what the commit changed before anyone reads it again).
    """
    _after_commit_kinds.append(callback)
    return lambda: _after_commit_kinds.remove(callback)


@event.listens_for(Session, "after_commit")
def _wake_dispatchers(session: Session) -> None:
    """Tell this process's dispatchers that events wait, right after the commit."""
    kinds = session.info.pop(_KINDS, None)
    if kinds:
        for listener in list(_after_commit_kinds):
            listener(kinds)
    if session.info.pop(_WRITTEN, False):
        for callback in list(_after_commit):
            callback()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Forget events of a rolled-back transaction: they were never written."""
    session.info.pop(_WRITTEN, None)
    session.info.pop(_PENDING, None)
    session.info.pop(_KINDS, None)
