"""Tables of the vaccination domain."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow


class PeopleCounts:
    """The counts of a coverage figure: population and people given each dose (people, not
    doses: `booster` people have had a dose past the third)."""

    population: Mapped[int] = mapped_column(Integer, default=0)
    dose_1: Mapped[int] = mapped_column(Integer, default=0)
    dose_2: Mapped[int] = mapped_column(Integer, default=0)
    dose_3: Mapped[int] = mapped_column(Integer, default=0)
    booster: Mapped[int] = mapped_column(Integer, default=0)


class Coverage(PeopleCounts, Base):
    """Vaccination coverage of one area on one date: population and people given each dose.

    `area_code` is a DOPA code of any level: a province (2 digits), district (4), subdistrict
    (6) or village (8: the subdistrict and its village number, 50010103 is หมู่ที่ 3 of
    500101). Counts are people, not doses given: `dose_1` people have had a first dose, and so
    on; `booster` people have had a dose past the third. `source` says where the figures came
    from: "import" (an official's file) or "register" (counted from a village's residents
    register). Aggregates only: no person is named here.
    """

    __tablename__ = "vaccination_coverage"

    area_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(12), default="import")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CoverageRollup(PeopleCounts, Base):
    """A province's coverage on one date, rolled up from every row inside it (kept, not read
    by people): what the country's answer adds up instead of reading every row of every area.

    One row per province and date of a `vaccination_coverage` row making up the province's
    figure; the figure is the province's own latest row on or before `as_of`, else its
    children's sum (`rollup.roll_up`, rows inside an area with rows of its own left out).
    `latest` is the newest date among the rows added up; `source` as in `Coverage`
    ("children" when summed); `lone`: the figure is one village's rows alone. Kept by
    `coverage.refresh_rollup` in the transaction that changes the province's rows.
    """

    __tablename__ = "vaccination_coverage_rollup"

    area_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    latest: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(12))
    lone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Sex(StrEnum):
    """A resident's sex as the village register records it (เพศ)."""

    FEMALE = "female"
    MALE = "male"


class Resident(Base):
    """One person of a village's residents register (ทะเบียนราษฎร์ของหมู่บ้าน), for follow-up.

    `village_code` is the village's 8-digit DOPA code (the subdistrict and its number). The
    national ID is kept only as `national_id_hmac` (HMAC-SHA256, `national_ids.py`) and
    `national_id_masked` ("1-2345-xxxxx-xx-1"). `birth_year` is CE; the age flag of the 608
    group is worked out from it on the day. `household_lat`/`household_lon` is the house's pin
    when someone set one (the follow-up list puts the nearest first).
    """

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    household: Mapped[str] = mapped_column(String(40))
    household_lat: Mapped[float | None] = mapped_column(Float)
    household_lon: Mapped[float | None] = mapped_column(Float)
    name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    sex: Mapped[str] = mapped_column(String(8))
    phone: Mapped[str | None] = mapped_column(String(20))
    chronic_disease: Mapped[bool] = mapped_column(Boolean, default=False)
    pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    national_id_hmac: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    national_id_masked: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )


class Dose(Base):
    """One vaccine dose given to one person, matched to a resident by the national ID's digest.

    No foreign key to `residents`: doses are imported by the million before or after the
    register (a bare multi-row INSERT each batch), and a dose's person is found by joining on
    `national_id_hmac` when read. `number` 1, 2, 3 are the primary doses; 4 and up are boosters.
    One person has at most one dose of each number: a repeat is left out, not doubled.
    """

    __tablename__ = "vaccination_doses"
    __table_args__ = (
        UniqueConstraint("national_id_hmac", "number", name="uq_vaccination_doses_person_number"),
        Index("ix_vaccination_doses_given_on", "given_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    national_id_hmac: Mapped[bytes] = mapped_column(LargeBinary(32))
    number: Mapped[int] = mapped_column(SmallInteger)
    vaccine: Mapped[str] = mapped_column(String(60))
    given_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
