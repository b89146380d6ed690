"""Shapes of areas in the API."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jitasa.core.words import AreaLevel


class AreaName(BaseModel):
    """An area's code and names."""

    code: str
    name_th: str
    name_en: str


class AreaRead(BaseModel):
    """One area as the API shows it, with the areas holding it (province first)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    level: AreaLevel
    parent_code: str | None
    name_th: str
    name_en: str
    postal_codes: list[str]
    parents: list[AreaName] = Field(
        default_factory=list,
        description="The district and province holding the area, province first, so places of "
        "one name (สันทราย) can be told apart",
    )

    @field_validator("postal_codes", mode="before")
    @classmethod
    def _split_postal_codes(cls, value: object) -> object:
        """Read the stored space-separated postal codes as a list."""
        return value.split() if isinstance(value, str) else value


class AreaPage(BaseModel):
    """A page of areas."""

    items: list[AreaRead]
    next_cursor: str | None


class Location(BaseModel):
    """The areas that contain a point; a level is null when no loaded boundary holds it."""

    province: AreaName | None = None
    district: AreaName | None = None
    subdistrict: AreaName | None = None


class AreaBoundaryProperties(AreaName):
    """What a boundary feature says about its area."""

    level: AreaLevel


class AreaBoundary(BaseModel):
    """An area's loaded boundary as a GeoJSON Feature (Polygon or MultiPolygon geometry)."""

    type: Literal["Feature"]
    id: str
    properties: AreaBoundaryProperties
    geometry: dict[str, Any]
