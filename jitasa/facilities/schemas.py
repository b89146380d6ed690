"""Shapes of facilities in the API: the public view, capacity in and out, history, lists."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel

from jitasa.core.fields import AreaCode
from jitasa.facilities.words import MAX_AMOUNT, FacilityStatus

Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]


class CapacityIn(BaseModel):
    """How many of a resource there are and how many are free."""

    model_config = ConfigDict(extra="forbid")

    total: Amount
    available: Amount  # at most the total: checked by the service, naming the resource


class CapacityUpdate(RootModel[dict[Annotated[str, Field(max_length=40)], CapacityIn]]):
    """`PUT …/capacity`: `{resource: {total, available}}`; resources not named stay as they are.

    Sending the numbers as they are records that someone checked them ("still right").
    """

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"beds_yellow": {"total": 10, "available": 1}}]}
    )


class CapacityRead(BaseModel):
    """One resource of a facility."""

    model_config = ConfigDict(from_attributes=True)

    resource: str
    total: int
    available: int


class FacilityTypeRead(BaseModel):
    """A kind of facility with its names and map glyph."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name_th: str
    name_en: str
    icon: str


class Freshness(BaseModel):
    """How old a facility's numbers are: "updated 3 h ago", stale past the configured hours."""

    updated_at: datetime
    age_minutes: int
    stale: bool
    text: str
    text_th: str


class FacilityRead(BaseModel):
    """A facility as anyone sees it: a public place, so its exact pin and phone are public."""

    id: int
    type: str
    type_name_th: str
    type_name_en: str
    icon: str
    name_th: str
    name_en: str
    status: FacilityStatus
    lat: float
    lon: float
    province_code: str | None
    area_code: str | None
    address: str
    phone: str
    opening_hours: str
    services: list[str]
    source: str
    external_id: str | None
    capacity: list[CapacityRead]
    free_beds: dict[str, int]  # by triage colour
    capacity_version: int
    freshness: Freshness
    distance_km: float | None = None


class FacilityPage(BaseModel):
    """A page of facilities."""

    items: list[FacilityRead]
    next_cursor: str | None


class FacilityCreate(BaseModel):
    """A new facility (service and imports; the demo's Chiang Mai facilities)."""

    type: str = Field(max_length=40)
    name_th: str = Field(min_length=1, max_length=200)
    name_en: str = Field("", max_length=200)
    status: FacilityStatus = FacilityStatus.OPEN
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    area_code: AreaCode | None = None
    address: str = Field("", max_length=500)
    phone: str = Field("", max_length=32)
    opening_hours: str = Field("", max_length=200)
    services: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list, max_length=30
    )
    source: str = Field("jitasa", max_length=40)
    external_id: str | None = Field(None, max_length=64)


class FacilityEdit(BaseModel):
    """`PATCH`: the fields to change; those not sent stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name_th: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, max_length=200)
    status: FacilityStatus | None = None
    address: str | None = Field(None, max_length=500)
    phone: str | None = Field(None, max_length=32)
    opening_hours: str | None = Field(None, max_length=200)
    services: list[Annotated[str, Field(max_length=80)]] | None = Field(None, max_length=30)


class HistoryEntry(BaseModel):
    """One change of a facility: who, when, how, before and after."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    via: str
    kind: str
    before: dict
    after: dict


class HistoryPage(BaseModel):
    """A facility's history, newest first."""

    items: list[HistoryEntry]
    next_cursor: str | None
