"""Tables of the facilities domain: types, facilities, capacity per resource, history."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jitasa.core.db import Base, UTCDateTime, utcnow
from jitasa.facilities.words import FacilityStatus


class FacilityType(Base):
    """A kind of facility (hospital, field hospital, ศูนย์พักคอย…): data, seeded by migration."""

    __tablename__ = "facility_types"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    icon: Mapped[str] = mapped_column(String(8))  # a glyph the map draws in the type's marker
    position: Mapped[int] = mapped_column(SmallInteger, default=0)  # order in lists


class Facility(Base):
    """A public place that serves people: its exact pin is public, unlike a requester's."""

    __tablename__ = "facilities"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_facilities_lat_lon", "lat", "lon"),
        # The map's points are looked up by the pin it counts them at (their cell's centre).
        Index("ix_facilities_cell_lat_cell_lon", "cell_lat", "cell_lon"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(ForeignKey("facility_types.code"), index=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default=FacilityStatus.OPEN, index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    # The centre of the pin's map cell: where the map's counts hold it.
    cell_lat: Mapped[float] = mapped_column(Float)
    cell_lon: Mapped[float] = mapped_column(Float)
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    area_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    opening_hours: Mapped[str] = mapped_column(String(200), default="")
    services: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(40), default="jitasa")
    external_id: Mapped[str | None] = mapped_column(String(64))
    # Free beds by triage colour, kept with the capacity rows: the map sums and filters them.
    free_green: Mapped[int] = mapped_column(Integer, default=0, index=True)
    free_yellow: Mapped[int] = mapped_column(Integer, default=0, index=True)
    free_red: Mapped[int] = mapped_column(Integer, default=0, index=True)
    # Beds in all by triage colour, kept with the capacity rows: the dashboard's capacity board
    # sums them (with the free ones) from this table alone.
    beds_green: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    beds_yellow: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    beds_red: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The colours with a free bed, most severe first ("red+green"), or "none": the map's
    # third dimension, so its counts filter by free beds of a colour.
    free_colours: Mapped[str] = mapped_column(String(24), default="none")
    # Raised by every capacity change: a form sent from an older version is stale (409).
    capacity_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last time someone vouched for the numbers (a change, or "numbers checked, still right").
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    capacity: Mapped[list["Capacity"]] = relationship(
        lazy="selectin", order_by="Capacity.resource", cascade="all, delete-orphan"
    )


class Capacity(Base):
    """How many of one resource a facility has and how many are free.

    A later bed reservation takes one with a single conditional UPDATE (`available > 0`), and
    the database refuses a count below zero or above the total.
    """

    __tablename__ = "facility_capacity"
    __table_args__ = (
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("available <= total", name="available_within_total"),
    )

    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(String(40), primary_key=True)
    total: Mapped[int] = mapped_column(Integer)
    available: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FacilityChange(Base):
    """One entry of a facility's history: who changed or confirmed what, when, before → after."""

    __tablename__ = "facility_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facilities.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    via: Mapped[str] = mapped_column(String(16))  # page, api, token, import, demo
    kind: Mapped[str] = mapped_column(String(16))  # capacity, checked, created, edited
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
