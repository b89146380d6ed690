"""Tables of the vaccination domain."""

from datetime import date, datetime

from sqlalchemy import Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow


class Coverage(Base):
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
    population: Mapped[int] = mapped_column(Integer, default=0)
    dose_1: Mapped[int] = mapped_column(Integer, default=0)
    dose_2: Mapped[int] = mapped_column(Integer, default=0)
    dose_3: Mapped[int] = mapped_column(Integer, default=0)
    booster: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(12), default="import")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
