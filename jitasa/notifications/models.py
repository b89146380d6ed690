"""Tables of the notifications domain: each message and its delivery, preferences, LINE links."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow


class Delivery(StrEnum):
    """Where a notification stands: waiting (or between retries), confirmed, given up, or
    withdrawn (what it said was no longer true when its turn came: the request closed)."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


class Notification(Base):
    """One message to one person through one channel, and how its delivery went."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id_kind_created_at", "user_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A phone, a LINE user id or an e-mail address: personal data, shown to staff only.
    address: Mapped[str] = mapped_column(String(255))
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=Delivery.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # What the notification is about, once: an event handed over again makes no second one.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Preference(Base):
    """How one person wants to be told: channels in order, e-mail, nearby alerts, quiet hours."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(2), default="th")
    email: Mapped[str | None] = mapped_column(String(254))
    line_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Urgencies of new requests near them a volunteer wants to hear of; empty: none (opt-in).
    nearby_urgencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    radius_km: Mapped[float | None] = mapped_column(Float)
    # Local (Thai) hours, [start, end); equal: no quiet hours. Red requests ignore them.
    quiet_start: Mapped[int] = mapped_column(Integer, default=0)
    quiet_end: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LineLinkCode(Base):
    """A one-time code a signed-in person sends to the official account to link their LINE."""

    __tablename__ = "line_link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LineDraft(Base):
    """What someone sent the official account to ask for help: a pin and a few words, to be
    confirmed (category, consent) on the web, where it becomes a request."""

    __tablename__ = "line_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    # In the link sent back on LINE; whoever holds it may open the draft (no one else can).
    token: Mapped[str] = mapped_column(String(43), unique=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
