"""Tables of the help requests domain."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow
from jitasa.help_requests.states import Status

# What a transport holds at its destination: a bed of the patient's colour, kept for them or
# taken by them.
BED_RESERVED = "reserved"
PAST_SLA_ROWS = "status = 'open' AND sla_breached_at IS NOT NULL"  # as `desk.PAST_SLA` says
BED_OCCUPIED = "occupied"
DURATIONS_READ_INDEX = "ix_help_request_durations_depth_scope_day"
RESERVED_ROWS = f"bed_state = '{BED_RESERVED}'"  # requests holding a bed, in SQL's words


class HelpRequest(Base):
    """A request for help pinned on the map, carried by a volunteer to resolution.

    The columns the tallies and timings count keep their loaded value when changed
    (`active_history`), so a flush knows what the request was counted as before.
    """

    __tablename__ = "help_requests"
    __table_args__ = (
        # Nearby seeks open requests one row of public cells at a time.
        Index(
            "ix_help_requests_status_public_lat_public_lon", "status", "public_lat", "public_lon"
        ),
        Index("ix_help_requests_contact_phone_created_at", "contact_phone", "created_at"),
        # The map's points at street zoom are looked up by their exact public pin.
        Index("ix_help_requests_public_lat_public_lon", "public_lat", "public_lon"),
        # The dashboard reads a week's requests by when they were posted or finished, and the
        # oldest open ones first (those past their limit).
        Index("ix_help_requests_status_closed_at", "status", "closed_at"),
        Index("ix_help_requests_status_created_at", "status", "created_at"),
        # The desk's queue reads each (urgency, status) oldest first, only as far as it shows.
        Index("ix_help_requests_urgency_status_created_at", "urgency", "status", "created_at"),
        # One area's runs: its part of each run sought as a range of area codes, then sorted.
        Index(
            "ix_help_requests_urgency_status_area_code_created_at",
            "urgency",
            "status",
            "area_code",
            "created_at",
        ),
        # The dashboard lists the oldest past their limit: a planner walking `created_at` alone
        # would pass every older finished request first.
        Index(
            "ix_help_requests_past_sla_created_at",
            "created_at",
            "id",
            postgresql_where=text(PAST_SLA_ROWS),
            sqlite_where=text(PAST_SLA_ROWS),
        ),
        # The capacity board counts the beds held for transports on their way: a few requests,
        # found from this index instead of probing every facility's requests.
        Index(
            "ix_help_requests_reserved_destination_id",
            "destination_id",
            postgresql_where=text(RESERVED_ROWS),
            sqlite_where=text(RESERVED_ROWS),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id"), index=True, active_history=True
    )
    category: Mapped[str] = mapped_column(String(40), index=True, active_history=True)
    medical: Mapped[bool] = mapped_column(Boolean, default=False)
    urgency: Mapped[str] = mapped_column(String(8), index=True, active_history=True)
    status: Mapped[str] = mapped_column(
        String(16), default=Status.OPEN, index=True, active_history=True
    )
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    public_lat: Mapped[float] = mapped_column(Float)
    public_lon: Mapped[float] = mapped_column(Float)
    province_code: Mapped[str | None] = mapped_column(String(2), index=True)
    district_code: Mapped[str | None] = mapped_column(String(4), index=True)
    subdistrict_code: Mapped[str | None] = mapped_column(String(6), index=True)
    area_code: Mapped[str | None] = mapped_column(
        ForeignKey("areas.code"), index=True, active_history=True
    )
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
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True, active_history=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
    close_reason: Mapped[str | None] = mapped_column(String(24))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("help_requests.id"))
    sla_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, active_history=True)
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
    # The dashboard reads the takes of a day or a week by kind and time, and looks up whether
    # each was taken before; it asks whether a volunteer acted on a day by actor and time.
    __table_args__ = (
        Index("ix_help_request_events_kind_at", "kind", "at"),
        Index("ix_help_request_events_request_id_kind_at", "request_id", "kind", "at"),
        Index("ix_help_request_events_actor_id_at", "actor_id", "at"),
    )

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


class RequestTally(Base):
    """How many requests of one kind an area holds: kept exact by `help_requests/tally.py`.

    Each request is counted once for the whole country (scope "", depth 0) and once under each
    area containing it (the first 2, 4 and 6 digits of its area code), so an area's figures are
    a sum over its own few rows, not a count of its requests.
    """

    __tablename__ = "help_request_tallies"
    # Rows stored in key order: an area's rows, and its children's, are one run each.
    __table_args__ = ({"sqlite_with_rowid": False},)

    depth: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # len(scope)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # an area code, "" all
    incident_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    urgency: Mapped[str] = mapped_column(String(8), primary_key=True)
    # Open and flagged by the SLA sweep (desk.PAST_SLA): 1, else 0.
    past_sla: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class RequestDuration(Base):
    """How many first takes (`measure` "claim") or resolutions ("resolve") of an area's requests
    on one Bangkok day took `minutes`: kept exact by `help_requests/timings.py`.

    `minutes` is the wait from posting, in whole minutes rounded down, then to three significant
    figures (`timings.kept_minutes`). Scopes are counted as in `RequestTally`; rows are stored by
    area and day, so a day's or a week's figures are one run of rows. (PostgreSQL keeps rows
    in a heap in the order they were written: its index below holds what the dashboard reads,
    so a week is read from the index alone, not from thousands of scattered pages.)
    """

    __tablename__ = "help_request_durations"
    __table_args__ = (
        Index(
            DURATIONS_READ_INDEX,
            "depth",
            "scope",
            "day",
            postgresql_include=["measure", "minutes", "incident_id", "count"],
        ).ddl_if(dialect="postgresql"),
        {"sqlite_with_rowid": False},
    )

    depth: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # len(scope)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # an area code, "" all
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # Bangkok day of the take or end
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)  # "claim" or "resolve"
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class RequestDurationTotal(Base):
    """`RequestDuration` summed over every day: the whole incident's figures in few rows."""

    __tablename__ = "help_request_duration_totals"
    __table_args__ = ({"sqlite_with_rowid": False},)

    depth: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    measure: Mapped[str] = mapped_column(String(8), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class RequestDay(Base):
    """How many of an area's requests were posted, and how many finished, on one Bangkok day:
    kept exact by `help_requests/timings.py` (finished: a final status, on its `closed_at`)."""

    __tablename__ = "help_request_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    depth: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    posted: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)


class OpenCell(Base):
    """How many open requests have their public pin in one ~500 m privacy cell.

    Kept exact by `help_requests/open_cells.py`; nearby sums the cells around a volunteer,
    nearest first, to know how far it must read before touching any request.
    """

    __tablename__ = "help_request_open_cells"
    # Rows stored in key order: a row of cells is one run of the key.
    __table_args__ = ({"sqlite_with_rowid": False},)

    y: Mapped[int] = mapped_column(Integer, primary_key=True)  # floor(public_lat / 0.005)
    x: Mapped[int] = mapped_column(Integer, primary_key=True)  # floor(public_lon / 0.005)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ActorDay(Base):
    """Someone who acted on a request's timeline (the actor of an entry) on one Bangkok day.

    Kept exact by `help_requests/actor_days.py`: the dashboard counts the volunteers among a
    day's actors without looking at each volunteer's timeline.
    """

    __tablename__ = "help_request_actor_days"
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
