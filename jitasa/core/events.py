"""Domain events: written to an outbox table in the changing transaction, published after commit.

A domain calls `record()` beside its change; nothing leaves the process until the transaction
commits. The realtime dispatcher then claims unpublished rows and hands them to the hub, and
the same rows are the log a client resumes from with `Last-Event-ID`.
"""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import JSON, Float, Integer, String, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow

_WRITTEN = "jitasa.events_written"
_after_commit: list[Callable[[], None]] = []


class OutboxEvent(Base):
    """One domain event: its kind, where it happened, and its public and full payloads."""

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
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


def record(
    session: AsyncSession,
    *,
    kind: str,
    area_code: str | None,
    lat: float | None,
    lon: float | None,
    public: dict,
    full: dict,
) -> None:
    """Add an event to the outbox of the session's transaction; it leaves after the commit."""
    session.add(
        OutboxEvent(
            kind=kind, area_code=area_code, lat=lat, lon=lon, public=public, full=full, at=utcnow()
        )
    )
    session.info[_WRITTEN] = True


def on_commit(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` after every commit that wrote events; return a function that stops it."""
    _after_commit.append(callback)
    return lambda: _after_commit.remove(callback)


@event.listens_for(Session, "after_commit")
def _wake_dispatchers(session: Session) -> None:
    """Tell this process's dispatchers that events wait, right after the commit."""
    if session.info.pop(_WRITTEN, False):
        for callback in list(_after_commit):
            callback()


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Forget events of a rolled-back transaction: they were never written."""
    session.info.pop(_WRITTEN, None)
