"""Shapes of volunteer profiles in the API."""

from datetime import datetime
from typing import Annotated

from pydantic import AliasPath, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from jitasa.core.fields import AreaCode, Input, StrictInput, ThaiPhone
from jitasa.volunteers.models import RefusalReason, Vehicle, VolunteerKind

Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class VolunteerSave(Input):
    """A volunteer's own profile as they register or update it (the whole form each time)."""

    kind: VolunteerKind = Field(description="Who the volunteer is in their community")
    skills: list[Skill] = Field(
        default_factory=list, max_length=20, examples=[["first aid", "ขับรถ"]]
    )
    vehicle: Vehicle = Vehicle.NONE
    ppe_trained: bool = False
    home_lat: float = Field(ge=-90, le=90, allow_inf_nan=False, description="Latitude (WGS84)")
    home_lon: float = Field(ge=-180, le=180, allow_inf_nan=False, description="Longitude (WGS84)")
    area_code: AreaCode | None = Field(
        None, description="The home area, used when no loaded boundary holds the pin"
    )
    service_radius_km: float = Field(5.0, ge=0.5, le=100, allow_inf_nan=False)
    available_now: bool = True
    display_name: DisplayName | None = None

    @field_validator("skills")
    @classmethod
    def _distinct(cls, skills: list[str]) -> list[str]:
        """Keep each skill once, in the order given, whatever its letter case."""
        distinct: dict[str, str] = {}
        for skill in skills:
            distinct.setdefault(skill.casefold(), skill)
        return list(distinct.values())


class VolunteerImport(VolunteerSave):
    """One row of a volunteer import: the profile as the form saves it, and whose phone it is."""

    phone: ThaiPhone


class VolunteerRead(BaseModel):
    """A whole volunteer profile with the person's phone and name (themself and area staff)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    phone: str = Field(validation_alias=AliasPath("user", "phone"))
    display_name: str = Field(validation_alias=AliasPath("user", "display_name"))
    kind: VolunteerKind
    skills: list[str]
    vehicle: Vehicle
    ppe_trained: bool
    home_lat: float
    home_lon: float
    area_code: str
    service_radius_km: float
    available_now: bool
    verified: bool = Field(validation_alias="is_verified")
    verified_at: datetime | None
    verified_by_id: int | None
    refused_at: datetime | None
    refusal_reason: RefusalReason | None
    created_at: datetime
    updated_at: datetime


class RefuseIn(BaseModel):
    """Why a coordinator declines to verify a volunteer."""

    reason: RefusalReason


class VolunteerPage(BaseModel):
    """A page of the volunteer roster."""

    items: list[VolunteerRead]
    next_cursor: str | None


class VillageSet(StrictInput):
    """The village an อสม. looks after: 8 digits, subdistrict + village number 01–99, inside
    the อสม.'s home subdistrict."""

    village_code: Annotated[str, StringConstraints(pattern=r"^\d{6}(0[1-9]|[1-9]\d)$")] = Field(
        examples=["50010103"]
    )
