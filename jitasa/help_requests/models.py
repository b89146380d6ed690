"""Tables of the help requests domain."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow
from jitasa.help_requests.states import Status

# What a transport holds at its destination: a bed of the patient's colour, kept for them or
# taken by them.
BED_RESERVED = "reserved"
BED_OCCUPIED = "occupied"


class HelpRequest(Base):
    """A request for help pinned on the map, carried by a volunteer to resolution."""

    __tablename__ = "help_requests"
    __table_args__ = (
        # Nearby seeks open requests one row of public cells at a time.
        Index(
            "ix_help_requests_status_public_lat_public_lon", "status", "public_lat", "public_lon"
        ),
        Index("ix_help_requests_contact_phone_created_at", "contact_phone", "created_at"),
        # The map's points at street zoom are looked up by their exact public pin.
        Index("ix_help_requests_public_lat_public_lon", "public_lat", "public_lon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    medical: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(8), index=True)
    status: Mapped[str] = mapped_column(String(16), default=Status.OPEN, index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    public_lat: Mapped[float] = mapped_column(Float)
    public_lon: Mapped[float] = mapped_column(Float)
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    district_code: Mapped[str | None] = mapped_column(String(4), index=True)
    subdistrict_code: Mapped[str | None] = mapped_column(String(6), index=True)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    address_text: Mapped[str] = mapped_column(Text, default="")
    people_count: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_phone: Mapped[str] = mapped_column(String(16), default="")
    for_someone_else: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    claimed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(24))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("help_requests.id"))
    sla_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stale_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Transport (P5): the pin is the pickup; the patient's colour, how they move, where to, and
    # whether the destination's bed of that colour is held for them ("reserved") or taken on
    # delivery ("occupied"). A reserved bed is freed when the transport stops short of delivery.
    triage_colour: Mapped[str | None] = mapped_column(String(8))
    mobility: Mapped[str | None] = mapped_column(String(16))
    destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilities.id", ondelete="SET NULL"), index=True
    )
    bed_state: Mapped[str | None] = mapped_column(String(12))


class RequestEvent(Base):
    """One entry of a request's timeline: who moved it from where to where, and why."""

    __tablename__ = "help_request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("help_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(String(24))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
