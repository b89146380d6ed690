"""Shapes of vaccination coverage in the API: aggregates only, no person."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Source = Literal["import", "register", "children"]


class DoseCoverage(BaseModel):
    """Percent of the population given each dose, one decimal (null: no population known)."""

    dose_1: float | None
    dose_2: float | None
    dose_3: float | None
    booster: float | None


class CoverageFigures(BaseModel):
    """One area's coverage: people with each dose, out of its population (null: no figures)."""

    code: str = Field(description='DOPA code; "" for the whole country')
    level: Literal["country", "province", "district", "subdistrict", "village"]
    name_th: str
    name_en: str
    population: int | None
    dose_1: int | None
    dose_2: int | None
    dose_3: int | None
    booster: int | None
    coverage: DoseCoverage
    as_of: date | None = Field(description="Date of the newest figures added up (CE)")
    as_of_th: str | None = Field(description="The same date the Thai way, BE year")
    source: Source | None = Field(
        description="import: an official's file; register: counted from a village's residents "
        "register; children: the sum of the areas inside it"
    )


class TrendPoint(BaseModel):
    """The area's coverage on one date: every row on or before it, rolled up."""

    as_of: date
    as_of_th: str
    population: int
    dose_1: int
    dose_2: int
    dose_3: int
    booster: int
    coverage: DoseCoverage


class CoverageAnswer(BaseModel):
    """`GET /api/v1/vaccination/coverage`: the area, each child area, the area's trend."""

    area: CoverageFigures
    items: list[CoverageFigures] = Field(description="Child areas, by code")
    trend: list[TrendPoint] = Field(description="One point per date, oldest first")
