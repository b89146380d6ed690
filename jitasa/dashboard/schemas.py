"""Shapes of the dashboard's figures in the API (`GET /api/v1/stats`)."""

from datetime import date, datetime
from datetime import date as Day
from typing import Literal

from pydantic import BaseModel, Field

from jitasa.core.fields import AreaCode

KEPT_MINUTES = (
    "Each wait is kept in whole minutes rounded down (less than a minute short), then to three "
    "significant figures toward zero (to the minute under 1,000 minutes, to 10 under 10,000, to "
    "100 under 100,000, to 1,000 beyond: less than 1 % short)"
)


class Durations(BaseModel):
    """How long something took, over the requests it happened to in a stretch of time."""

    count: int
    median_minutes: float | None = Field(
        description=f"Median of the kept waits (the mean of the middle two when even). "
        f"{KEPT_MINUTES}."
    )
    p90_minutes: float | None = Field(
        description=f"90th percentile of the kept waits, nearest rank. {KEPT_MINUTES}."
    )


class Windows(BaseModel):
    """Durations for the day asked about, the 7 days ending with it, and all days up to it:
    whole Bangkok days, by the day of the take or resolution."""

    today: Durations
    last_7_days: Durations
    all: Durations


class RequestCounts(BaseModel):
    """The area's requests by status; by category and by urgency, each split by status."""

    by_status: dict[str, int]
    by_category: dict[str, dict[str, int]]
    by_urgency: dict[str, dict[str, int]]


class PastSlaRequest(BaseModel):
    """An open request past its time limit (no personal data)."""

    id: int
    code: str
    category: str
    urgency: str
    area_code: str | None
    created_at: datetime
    waited_minutes: int


class PastSla(BaseModel):
    """How many open requests are past their time limit, and the oldest of them."""

    count: int
    oldest: list[PastSlaRequest]


class VolunteerCounts(BaseModel):
    """Volunteers living in the area."""

    verified: int
    waiting: int
    active_today: int = Field(description="Acted on a request's timeline that day")


class ActiveCounts(BaseModel):
    """Active requests by status, and how many of them are past their time limit."""

    open: int
    claimed: int
    in_progress: int
    past_sla: int


class ChildArea(ActiveCounts):
    """A child area's active requests, for the drill-down."""

    code: str
    name_th: str
    name_en: str


class Point(BaseModel):
    """A count at a moment."""

    at: datetime
    count: int


class BedCounts(BaseModel):
    """Beds of one triage colour at the area's facilities that take patients."""

    total: int
    free: int
    free_stale: int = Field(description="Free beds at facilities whose numbers are stale")
    reserved: int = Field(description="Beds held for a transport on its way")


class StaleFacility(BaseModel):
    """A facility whose numbers nobody changed or checked within the stale limit."""

    id: int
    name_th: str
    name_en: str
    updated_at: datetime


class CapacityBoard(BaseModel):
    """Free beds by colour of the area's facilities taking patients (open or full)."""

    facilities: int
    stale_facilities: int
    stale_hours: float
    beds: dict[str, BedCounts] = Field(description="By triage colour: red, yellow, green")
    stale: list[StaleFacility] = Field(description="Stale ones, oldest numbers first (20 most)")


class Stats(BaseModel):
    """The dashboard's figures for an area (null: the whole country)."""

    area: str | None
    date: date
    as_of: datetime
    requests: RequestCounts
    to_claim: Windows
    to_resolve: Windows
    active_over_time: list[Point] = Field(
        description="Requests still needing help at the end of each of the 7 Bangkok days "
        "(posted before the next midnight and not finished before it; the last point is shown "
        "at now when the day is today)"
    )
    past_sla: PastSla
    volunteers: VolunteerCounts
    children: list[ChildArea]
    not_in_children: ActiveCounts | None = Field(
        description="The area's active requests no child area holds: their pin lies in no "
        "loaded boundary of the next level (a district whose subdistricts have none), so the "
        "children and these add up to the area; null for an area with no smaller ones"
    )
    capacity: CapacityBoard


# Days figures can be asked for: wide enough for any incident, narrow enough for date arithmetic.
FIRST_DAY = Day(2000, 1, 1)
LAST_DAY = Day(2100, 12, 31)


class ReportQuery(BaseModel):
    """Which daily report `jitasa report` writes."""

    area: AreaCode
    date: Day | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)
    lang: Literal["th", "en"] = "th"
