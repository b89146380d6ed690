"""Shapes of help requests in the API: what is posted, the public view and the full view."""

from datetime import datetime
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from jitasa.core.fields import MAX_ROW_ID, AreaCode, Input, StrictInput, ThaiPhone
from jitasa.help_requests.states import CloseReason, Mobility, Status

MAX_PEOPLE = 500
MAX_DESCRIPTION = 2000
CONSENT_VERSION = "2026-11"
Latitude = Field(ge=-90, le=90, allow_inf_nan=False)
Longitude = Field(ge=-180, le=180, allow_inf_nan=False)


class HelpRequestCreate(Input):
    """A new request for help, as the SOS form posts it."""

    incident: str | None = Field(
        None,
        max_length=40,
        description="Incident code (default: the default incident)",
    )
    category: str = Field(max_length=40, examples=["oxygen"])
    urgency: str = Field(
        max_length=8, description="red/yellow/green (medical) or urgent/normal", examples=["red"]
    )
    lat: float = Latitude
    lon: float = Longitude
    area_code: AreaCode | None = Field(
        None, description="Area to use when no boundary holds the pin"
    )
    address_text: str = Field("", max_length=500)
    people_count: int = Field(1, ge=1, le=MAX_PEOPLE)
    description: str = Field("", max_length=MAX_DESCRIPTION)
    contact_name: str = Field("", max_length=120)
    contact_phone: ThaiPhone | None = None
    for_someone_else: bool = False
    consent: bool = Field(False, description="Explicit consent to keep health data (PDPA s.26)")
    mobility: Mobility | None = Field(
        None, description="Transport only: walks, wheelchair or stretcher (the pin is the pickup)"
    )


class HelpRequestPublic(BaseModel):
    """What anyone may see: position rounded to about 500 m, no name, phone or description."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    category: str
    medical: bool
    urgency: str
    status: Status
    lat: float = Field(validation_alias=AliasChoices("public_lat", "lat"))
    lon: float = Field(validation_alias=AliasChoices("public_lon", "lon"))
    province_code: str | None
    district_code: str | None
    subdistrict_code: str | None
    people_count: int
    created_at: datetime
    updated_at: datetime


class HelpRequestFull(BaseModel):
    """Everything about a request, for its requester, its volunteer and area staff."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    category: str
    medical: bool
    urgency: str
    status: Status
    lat: float
    lon: float
    public_lat: float
    public_lon: float
    province_code: str | None
    district_code: str | None
    subdistrict_code: str | None
    area_code: str | None
    address_text: str
    people_count: int
    description: str
    contact_name: str
    contact_phone: str
    for_someone_else: bool
    consent_at: datetime | None
    requester_id: int | None
    claimed_by_id: int | None
    claimed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    merged_into_id: int | None
    sla_breached_at: datetime | None
    stale_flagged_at: datetime | None
    triage_colour: str | None = Field(
        None, description="Transport: the patient's colour, the beds their destination holds"
    )
    mobility: str | None = None
    destination_id: int | None = Field(None, description="Transport: the chosen facility")
    bed_state: str | None = Field(
        None, description="Transport: reserved (held for the patient), occupied (delivered)"
    )


class HelpRequestPage(BaseModel):
    """A page of requests (public or full view, by who asks)."""

    items: list[HelpRequestFull] | list[HelpRequestPublic]
    next_cursor: str | None


class NearbyRequest(HelpRequestPublic):
    """An open request near a volunteer, with its distance."""

    distance_km: float


class TransitionIn(Input):
    """A move along the state machine."""

    to: Status
    note: str = Field("", max_length=1000)
    reason: CloseReason | None = None


class AssignIn(Input):
    """The volunteer (profile id) a coordinator gives a request to."""

    volunteer_id: int = Field(ge=1, le=MAX_ROW_ID)
    note: str = Field("", max_length=1000)
    reassign: bool = Field(
        False, description="Confirms taking the request from the volunteer who holds it."
    )


class AssignCandidate(BaseModel):
    """A volunteer who could be given a request: verified, available, by distance from it."""

    volunteer_id: int
    name: str
    kind: str
    vehicle: str
    skills: list[str]
    distance_km: float
    tasks_held: int


class BulkCloseIn(BaseModel):
    """Requests a coordinator closes at once: as duplicates of one kept request, or for a reason."""

    request_ids: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        min_length=1, max_length=100
    )
    reason: CloseReason
    keep_id: int | None = Field(None, ge=1, le=MAX_ROW_ID)
    note: str = Field("", max_length=1000)
    # Closing a request a volunteer holds (claimed, under way) ends their task: only when asked.
    close_taken: bool = False


class BulkCloseResult(BaseModel):
    """What happened to each request of a bulk close (each id once): those closed, those
    refused with why ({request_id, code, detail, detail_th}), and which of the closed a
    volunteer held (tell them)."""

    closed: list[int]
    refused: list[dict[str, str | int]]
    taken: list[int]


class MergeIn(Input):
    """The request a duplicate is merged into."""

    keep_id: int = Field(ge=1, le=MAX_ROW_ID)
    note: str = Field("", max_length=1000)


class DestinationIn(StrictInput):
    """The facility a transport goes to (a bed of the patient's colour is reserved there)."""

    facility_id: int = Field(ge=1, le=MAX_ROW_ID)


class DestinationRead(BaseModel):
    """A facility a transport may go to, ranked: free beds of the colour, then distance."""

    facility_id: int
    name_th: str
    name_en: str
    type: str
    status: str
    phone: str
    address: str
    lat: float
    lon: float
    free_beds: int | None = Field(description="Free beds of the patient's colour (none counted)")
    total_beds: int | None
    distance_km: float = Field(description="Great-circle distance from the pickup pin, km")
    chosen: bool = Field(description="This is the transport's destination now")


class EventRead(BaseModel):
    """One entry of a request's timeline."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    kind: str
    from_status: str | None
    to_status: str | None
    note: str
    reason: str | None
    details: dict = Field(
        default_factory=dict, description="What a step records: numbers, codes, people's ids"
    )


class DuplicateCandidate(BaseModel):
    """An open request the new one may repeat, and why."""

    request: HelpRequestPublic
    same_phone: bool
    distance_m: int
