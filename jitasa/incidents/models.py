"""Tables of the incidents domain."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jitasa.core.db import Base, UTCDateTime, utcnow
from jitasa.core.words import Urgency

DEFAULT_SLA_MINUTES = {
    Urgency.RED: 15,
    Urgency.YELLOW: 60,
    Urgency.GREEN: 1440,
    Urgency.URGENT: 60,
    Urgency.NORMAL: 1440,
}


class Incident(Base):
    """An emergency that help requests belong to, with its own categories and time limits.

    Its life: active (takes new requests) → closed (takes none; `active` false, `closed_at`
    set; can be reopened) → archived (`archived_at` set: gone from the map's choices, for good).
    Exactly one incident is the default (`is_default`), chosen by an admin: a request that
    names no incident joins it. The partial unique index makes a second default impossible.
    """

    __tablename__ = "incidents"
    __table_args__ = (
        Index(
            "uq_incidents_one_default",
            "is_default",
            unique=True,
            sqlite_where=text("is_default"),
            postgresql_where=text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), default="epidemic")
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    sla_minutes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    expiry_hours: Mapped[int] = mapped_column(Integer, default=72)
    # The numbers to call, shown on every page while the incident is active (numbers change, so
    # they are data): [{"number": "1669", "name_th": "…", "name_en": "…"}], in display order.
    hotlines: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    categories: Mapped[list["Category"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Category.position"
    )

    @property
    def state(self) -> str:
        """Return `active`, `closed` or `archived`."""
        if self.archived_at is not None:
            return "archived"
        return "active" if self.active else "closed"

    def category(self, code: str) -> "Category | None":
        """Return this incident's category with the code, if any."""
        return next((c for c in self.categories if c.code == code), None)

    def sla_for(self, urgency: str) -> int:
        """Return the minutes a request of this urgency may wait before it is escalated."""
        return int((self.sla_minutes or {}).get(urgency, DEFAULT_SLA_MINUTES.get(urgency, 1440)))


class Category(Base):
    """A kind of help an incident's requests can ask for; `medical` ones use triage colours."""

    __tablename__ = "incident_categories"
    __table_args__ = (UniqueConstraint("incident_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    medical: Mapped[bool] = mapped_column(Boolean, default=False)
    transport: Mapped[bool] = mapped_column(Boolean, default=False)
    icon: Mapped[str] = mapped_column(String(40), default="help")
    position: Mapped[int] = mapped_column(Integer, default=0)
