"""Shapes of incidents in the API."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jitasa.core.fields import Input
from jitasa.core.words import URGENCIES


class CategoryIn(Input):
    """One category of a new incident."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name_th: str = Field(min_length=1, max_length=120)
    name_en: str = Field(min_length=1, max_length=120)
    medical: bool = False
    transport: bool = False
    icon: str = Field("help", pattern=r"^[a-z0-9_-]{1,40}$")


class CategoryRead(CategoryIn):
    """A category as the API shows it."""

    model_config = ConfigDict(from_attributes=True)


class HotlineIn(BaseModel):
    """A number to call during an incident, such as 1669, with what it is for."""

    number: str = Field(pattern=r"^[0-9]{3,10}$", examples=["1669"])
    name_th: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)


class HotlineRead(HotlineIn):
    """A hotline as the API shows it."""


class IncidentCreate(Input):
    """A new incident with its categories and time limits."""

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", examples=["floods-2025-hatyai"])
    name_th: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    kind: str = Field("disaster", max_length=40)
    active: bool = True
    is_default: bool = Field(
        False,
        description="Make it the default incident, where requests naming none go (the only "
        "one); the first active incident becomes the default anyway.",
    )
    starts_on: date | None = None
    ends_on: date | None = None
    sla_minutes: dict[str, int] = Field(default_factory=dict)
    expiry_hours: int = Field(72, ge=1, le=24 * 365)
    categories: list[CategoryIn] = Field(min_length=1, max_length=50)
    hotlines: list[HotlineIn] = Field(
        default_factory=list,
        max_length=12,
        description="Numbers to call, in display order; empty: those of the incident's kind.",
    )

    @field_validator("sla_minutes")
    @classmethod
    def _known_urgencies(cls, value: dict[str, int]) -> dict[str, int]:
        """Accept SLAs only for known urgencies, each between 1 minute and 30 days."""
        for urgency, minutes in value.items():
            if urgency not in URGENCIES or not 1 <= minutes <= 43_200:
                raise ValueError(f"unknown urgency or SLA out of range: {urgency}")
        return value

    @field_validator("categories")
    @classmethod
    def _unique_codes(cls, value: list[CategoryIn]) -> list[CategoryIn]:
        """Refuse two categories with the same code."""
        codes = [c.code for c in value]
        if len(codes) != len(set(codes)):
            raise ValueError("category codes must be unique")
        return value


class IncidentRead(BaseModel):
    """An incident with its categories and SLAs."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name_th: str
    name_en: str
    kind: str
    active: bool = Field(description="It takes new requests (neither closed nor archived).")
    is_default: bool = Field(description="Requests that name no incident join this one.")
    state: Literal["active", "closed", "archived"]
    closed_at: datetime | None
    archived_at: datetime | None
    starts_on: date | None
    ends_on: date | None
    sla_minutes: dict[str, int]
    expiry_hours: int
    categories: list[CategoryRead]
    hotlines: list[HotlineRead]
