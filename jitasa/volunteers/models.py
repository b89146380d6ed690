"""Tables of the volunteers domain."""

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jitasa.core.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:  # the relationship names the accounts' table by name, not by import
    from jitasa.accounts.models import User


class VolunteerKind(StrEnum):
    """Who the volunteer is in their community (thai.md)."""

    VHV = "vhv"
    KAMNAN = "kamnan"
    VILLAGE_HEADMAN = "village_headman"
    LOCAL_OFFICIAL = "local_official"
    STUDENT = "student"
    COMMUNITY_LEADER = "community_leader"
    WOMENS_FUND = "womens_fund"
    LOCAL_VOLUNTEER = "local_volunteer"
    CIVIL_DEFENCE = "civil_defence"
    RESCUE = "rescue"
    GENERAL = "general"


class Vehicle(StrEnum):
    """What the volunteer can drive people or supplies with."""

    NONE = "none"
    MOTORCYCLE = "motorcycle"
    CAR = "car"
    PICKUP = "pickup"
    VAN = "van"
    AMBULANCE = "ambulance"


class RefusalReason(StrEnum):
    """Why a coordinator did not verify a volunteer."""

    UNKNOWN_PERSON = "unknown_person"
    UNREACHABLE = "unreachable"
    OTHER_AREA = "other_area"
    DETAILS_WRONG = "details_wrong"


class Volunteer(Base):
    """A person's volunteer profile; the home pin decides which coordinators may verify it."""

    __tablename__ = "volunteers"
    # The dashboard counts an area's verified and waiting volunteers from this index alone.
    __table_args__ = (Index("ix_volunteers_area_code_verified_at", "area_code", "verified_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(24), default=VolunteerKind.GENERAL)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    vehicle: Mapped[str] = mapped_column(String(16), default=Vehicle.NONE)
    ppe_trained: Mapped[bool] = mapped_column(Boolean, default=False)
    home_lat: Mapped[float] = mapped_column(Float)
    home_lon: Mapped[float] = mapped_column(Float)
    area_code: Mapped[str] = mapped_column(ForeignKey("areas.code"), index=True)
    service_radius_km: Mapped[float] = mapped_column(Float, default=5.0)
    available_now: Mapped[bool] = mapped_column(Boolean, default=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A refusal takes the volunteer out of the verification queue until they update their profile.
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(String(24))
    refused_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Loaded with the profile: the roster and profile views show the person's phone and name.
    user: Mapped["User"] = relationship(foreign_keys=[user_id], lazy="joined", innerjoin=True)

    @property
    def is_verified(self) -> bool:
        """Tell whether a coordinator has verified this volunteer."""
        return self.verified_at is not None
