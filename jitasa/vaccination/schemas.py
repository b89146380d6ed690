"""Shapes of the vaccination API: coverage aggregates (no person); residents, doses and the
follow-up list (personal data: national IDs masked)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from jitasa.core.errors import Invalid
from jitasa.core.fields import StrictInput, ThaiPhone
from jitasa.core.thai import normalize_national_id
from jitasa.vaccination.models import Sex

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
    suppressed: bool = Field(
        False,
        description="true: the counts and percentages are hidden (null) from this reader: a "
        "village, or a group where a count or what it leaves out of the population is 1–9 "
        "people (small-count rule); area staff and the village's verified อสม. see them",
    )


class TrendPoint(BaseModel):
    """The area's coverage on one date: every row on or before it, rolled up."""

    as_of: date
    as_of_th: str
    population: int | None
    dose_1: int | None
    dose_2: int | None
    dose_3: int | None
    booster: int | None
    coverage: DoseCoverage
    suppressed: bool = Field(False, description="true: hidden by the small-count rule (null)")


class CoverageAnswer(BaseModel):
    """`GET /api/v1/vaccination/coverage`: the area, each child area, the area's trend."""

    area: CoverageFigures
    items: list[CoverageFigures] = Field(description="Child areas, by code")
    trend: list[TrendPoint] = Field(description="One point per date, oldest first")


MAX_DOSE_NUMBER = 9
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _national_id(value: str) -> str:
    """Check a national ID (13 digits, check digit); the error never repeats the number."""
    try:
        return normalize_national_id(value)
    except Invalid:
        raise PydanticCustomError("national_id", "not a national ID") from None


NationalId = Annotated[
    str, Field(max_length=32, examples=["1-1017-00230-70-8"]), AfterValidator(_national_id)
]


class ResidentCreate(StrictInput):
    """A resident added to a village register by hand (the page, an อสม.'s phone)."""

    subdistrict_code: str = Field(pattern=r"^\d{6}$", examples=["500101"])
    village_number: int = Field(ge=1, le=99, description="หมู่ที่, 1–99")
    household: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    household_lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    household_lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    name: Text
    birth_year: int = Field(
        ge=1900, le=2700, description="Year of birth, BE (2490) or CE (1947); checked by range"
    )
    sex: Sex = Field(strict=False, description="female or male")
    phone: ThaiPhone | None = None
    chronic_disease: bool = False
    pregnant: bool = False
    national_id: NationalId


class ResidentRead(BaseModel):
    """A resident as area staff and the village's อสม. see them: the national ID masked."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    village_code: str
    household: str
    name: str
    birth_year: int = Field(description="CE")
    sex: Sex
    phone: str | None
    chronic_disease: bool
    pregnant: bool
    aged_60: bool = Field(description="60 or older this year")
    national_id_masked: str = Field(examples=["1-1017-xxxxx-xx-8"])
    doses: int = Field(description="Highest dose number received, 0 for none")


class ResidentPage(BaseModel):
    """The residents of one village."""

    village_code: str
    items: list[ResidentRead]


class DoseCreate(StrictInput):
    """A dose given to a resident, recorded from the phone."""

    number: int = Field(ge=1, le=MAX_DOSE_NUMBER, description="1, 2, 3; 4 and up: boosters")
    vaccine: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    given_on: date = Field(
        strict=False,
        description="YYYY-MM-DD (CE), from 2021-02-28 (the first vaccination in Thailand) to today",
    )
    place: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class DoseRead(BaseModel):
    """A recorded dose, with the village's coverage after it."""

    resident_id: int
    number: int
    vaccine: str
    given_on: date
    place: str
    warnings: list[str] = Field(
        default_factory=list, description="what to check about the dose, in English"
    )
    warnings_th: list[str] = Field(
        default_factory=list, description="the same warnings in Thai, in the same order"
    )


class FollowUp(BaseModel):
    """One 608 resident who misses a dose: who, where, and which dose is next."""

    resident_id: int
    household: str
    name: str
    phone: str | None
    reasons: list[str] = Field(description="Why in the 608 group: aged_60, chronic, pregnant")
    doses: int
    next_dose: int
    distance_km: float | None = Field(description="From the given point, when the house has a pin")


class FollowUpPage(BaseModel):
    """The follow-up list of one village, nearest household first."""

    village_code: str
    priority_residents: int = Field(description="Residents of the 608 group in the village")
    fully_vaccinated: int = Field(description="Of those, with every dose of the course")
    with_dose: list[int] = Field(
        description="Of those, how many have had dose 1, dose 2 and dose 3 (three counts)"
    )
    items: list[FollowUp]


class VillageSummary(BaseModel):
    """Residents register figures of one village (no person named)."""

    village_code: str
    name_th: str
    residents: int
    priority: int
    dose_1: int
    dose_2: int
    dose_3: int


class SummaryPage(BaseModel):
    """Residents register figures of the villages of an area, and their total."""

    area_code: str
    total: VillageSummary
    villages: list[VillageSummary]
