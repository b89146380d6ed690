"""Tables of the areas domain."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow


class Area(Base):
    """One administrative area with its DOPA code, names and (when loaded) boundary."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[str] = mapped_column(String(12), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("areas.code"), index=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(Text)
    postal_codes: Mapped[str] = mapped_column(String(120), default="")
    boundary: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    boundary_loaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
