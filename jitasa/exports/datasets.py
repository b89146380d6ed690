"""What each export holds: its columns (with HXL hashtags), who may take it, and its query.

A dataset is a list of columns over one table, read with plain column selects (no ORM objects,
so a million rows stream with bounded memory). Staff datasets hold personal data and are scoped to
the staff member's area by the policy; public datasets hold only what the public map shows:
requests at their ~500 m public pin, without name, phone, address or description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum

from sqlalchemy import Select, select

from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.core import area_scope
from jitasa.core.errors import DomainError
from jitasa.core.thai import format_phone
from jitasa.facilities.models import Facility
from jitasa.facilities.words import WITH_FREE_BED
from jitasa.help_requests import access
from jitasa.help_requests.models import HelpRequest
from jitasa.volunteers.models import Volunteer

Value = str | int | float | bool | None


class Format(StrEnum):
    """File formats an export is written in."""

    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"


@dataclass(frozen=True)
class Column:
    """One exported column: its header, its HXL hashtag, the SQL expression and a cleaner."""

    name: str
    hxl: str
    expression: object
    clean: Callable[[object], Value] | None = None


@dataclass(frozen=True)
class Filters:
    """What an export is narrowed to: area prefix, viewport and value lists (checked already)."""

    area: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    status: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    urgency: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    free_beds: tuple[str, ...] = ()
    verified: bool | None = None


@dataclass(frozen=True)
class Dataset:
    """An export: columns, the policy action it needs (None: anyone) and its filtered query."""

    name: str
    columns: tuple[Column, ...]
    action: Action | None
    filters: frozenset[str]  # names of the filters it takes besides area and bbox
    where: Callable[[Select, Filters], Select]
    order_by: object
    lat: str = "lat"  # the columns GeoJSON places the point at
    lon: str = "lon"

    @property
    def personal(self) -> bool:
        """Tell whether the dataset holds personal data (staff only, reads audited)."""
        return self.action is not None

    def statement(self, filters: Filters) -> Select:
        """Return the SELECT of the dataset's rows, in a stable order."""
        statement = select(*(c.expression.label(c.name) for c in self.columns))
        return self.where(statement, filters).order_by(self.order_by)


# Thailand has kept UTC+7 without daylight saving since 1920: a fixed offset is exact, and
# several times cheaper per cell than the zone database (a million rows hold four million).
THAILAND_TIME = timezone(timedelta(hours=7), "Asia/Bangkok")
# A Thai mobile in E.164 ("+66812345678"): written by slicing, as phonenumbers would write it
# ("081 234 5678") at a thousandth of the cost; any other number goes through phonenumbers.
THAI_MOBILE = re.compile(r"\+66([689]\d)(\d{3})(\d{4})")


def when(moment: object) -> Value:
    """Write a timestamp as Bangkok wall-clock ISO 8601 with its offset ("…T17:00:00+07:00")."""
    if not isinstance(moment, datetime):
        return None
    if moment.tzinfo is None:  # stored in UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(THAILAND_TIME).isoformat(timespec="seconds")


def phone(value: object) -> Value:
    """Write a stored E.164 phone the national way ("081 234 5678"); keep anything else."""
    if not value:
        return ""
    text = str(value)
    if mobile := THAI_MOBILE.fullmatch(text):
        return f"0{mobile[1]} {mobile[2]} {mobile[3]}"
    try:
        return format_phone(text)
    except (ValueError, DomainError):  # not a phone number after all: written as stored
        return text


def joined(value: object) -> Value:
    """Write a list (skills, services) as one cell, separated by "; "."""
    return "; ".join(str(v) for v in value) if isinstance(value, list) else (value or "")


def area_part(length: int) -> Callable[[object], Value]:
    """Cut a province (2), district (4) or subdistrict (6) code from a deeper area code."""

    def cut(code: object) -> Value:
        return str(code)[:length] if code and len(str(code)) >= length else None

    return cut


def _in(statement: Select, column, values) -> Select:
    return statement.where(column.in_(list(values))) if values else statement


def _area(statement: Select, column, area: str | None) -> Select:
    return statement.where(area_scope.inside(column, area)) if area else statement


def _requests_where(public: bool) -> Callable[[Select, Filters], Select]:
    lat = HelpRequest.public_lat if public else HelpRequest.lat
    lon = HelpRequest.public_lon if public else HelpRequest.lon

    def where(statement: Select, f: Filters) -> Select:
        statement = _area(statement, HelpRequest.area_code, f.area)
        if public:  # archived incidents have left every public reader, as the map
            statement = statement.where(access.in_kept_incidents())
        if f.bbox:
            west, south, east, north = f.bbox
            statement = statement.where(lat.between(south, north), lon.between(west, east))
        statement = _in(statement, HelpRequest.status, f.status)
        statement = _in(statement, HelpRequest.category, f.category)
        return _in(statement, HelpRequest.urgency, f.urgency)

    return where


def _facilities_where(statement: Select, f: Filters) -> Select:
    statement = _area(statement, Facility.area_code, f.area)
    if f.bbox:
        west, south, east, north = f.bbox
        statement = statement.where(
            Facility.lat.between(south, north), Facility.lon.between(west, east)
        )
    statement = _in(statement, Facility.status, f.status)
    statement = _in(statement, Facility.type, f.type)
    for colour in f.free_beds:
        statement = statement.where(Facility.free_colours.in_(WITH_FREE_BED[colour]))
    return statement


def _volunteers_where(statement: Select, f: Filters) -> Select:
    statement = statement.join(User, User.id == Volunteer.user_id)
    statement = _area(statement, Volunteer.area_code, f.area)
    if f.bbox:
        west, south, east, north = f.bbox
        statement = statement.where(
            Volunteer.home_lat.between(south, north), Volunteer.home_lon.between(west, east)
        )
    if f.verified is True:
        statement = statement.where(Volunteer.verified_at.is_not(None))
    elif f.verified is False:
        statement = statement.where(Volunteer.verified_at.is_(None))
    return statement


R = HelpRequest
PUBLIC_REQUEST_COLUMNS = (
    Column("id", "#meta+id", R.id),
    Column("code", "#meta+code", R.code),
    Column("category", "#service+type", R.category),
    Column("medical", "#meta+medical", R.medical),
    Column("urgency", "#severity+code", R.urgency),
    Column("status", "#status+code", R.status),
    Column("lat", "#geo+lat", R.public_lat),
    Column("lon", "#geo+lon", R.public_lon),
    Column("province_code", "#adm1+code", R.province_code),
    Column("district_code", "#adm2+code", R.district_code),
    Column("subdistrict_code", "#adm3+code", R.subdistrict_code),
    Column("people_count", "#affected+num", R.people_count),
    Column("created_at", "#date+created", R.created_at, when),
    Column("updated_at", "#date+updated", R.updated_at, when),
)
REQUEST_COLUMNS = (
    *PUBLIC_REQUEST_COLUMNS[:6],
    Column("lat", "#geo+lat", R.lat),
    Column("lon", "#geo+lon", R.lon),
    Column("public_lat", "#geo+lat+public", R.public_lat),
    Column("public_lon", "#geo+lon+public", R.public_lon),
    *PUBLIC_REQUEST_COLUMNS[8:12],
    Column("area_code", "#loc+code", R.area_code),
    Column("address", "#loc+address", R.address_text),
    Column("description", "#description", R.description),
    Column("contact_name", "#contact+name", R.contact_name),
    Column("contact_phone", "#contact+phone", R.contact_phone, phone),
    Column("for_someone_else", "#meta+proxy", R.for_someone_else),
    Column("claimed_by_id", "#meta+volunteer+id", R.claimed_by_id),
    Column("claimed_at", "#date+claimed", R.claimed_at, when),
    Column("close_reason", "#status+reason", R.close_reason),
    Column("merged_into_id", "#meta+merged+id", R.merged_into_id),
    *PUBLIC_REQUEST_COLUMNS[12:],
    Column("closed_at", "#date+closed", R.closed_at, when),
)
F = Facility
PUBLIC_FACILITY_COLUMNS = (
    Column("id", "#meta+id", F.id),
    Column("type", "#loc+type", F.type),
    Column("name_th", "#loc+name+i_th", F.name_th),
    Column("name_en", "#loc+name+i_en", F.name_en),
    Column("status", "#status+code", F.status),
    Column("lat", "#geo+lat", F.lat),
    Column("lon", "#geo+lon", F.lon),
    Column("province_code", "#adm1+code", F.area_code, area_part(2)),
    Column("district_code", "#adm2+code", F.area_code, area_part(4)),
    Column("subdistrict_code", "#adm3+code", F.area_code, area_part(6)),
    Column("address", "#loc+address", F.address),
    Column("phone", "#contact+phone", F.phone),
    Column("opening_hours", "#meta+hours", F.opening_hours),
    Column("services", "#service+list", F.services, joined),
    Column("free_beds_green", "#capacity+beds+free+green", F.free_green),
    Column("free_beds_yellow", "#capacity+beds+free+yellow", F.free_yellow),
    Column("free_beds_red", "#capacity+beds+free+red", F.free_red),
    Column("updated_at", "#date+updated", F.updated_at, when),
)
FACILITY_COLUMNS = (
    *PUBLIC_FACILITY_COLUMNS,
    Column("source", "#meta+source", F.source),
    Column("external_id", "#meta+external_id", F.external_id),
    Column("updated_by_id", "#meta+editor+id", F.updated_by_id),
)
V = Volunteer
VOLUNTEER_COLUMNS = (
    Column("id", "#meta+id", V.id),
    Column("name", "#contact+name", User.display_name),
    Column("phone", "#contact+phone", User.phone, phone),
    Column("kind", "#contact+type", V.kind),
    Column("skills", "#meta+skills", V.skills, joined),
    Column("vehicle", "#meta+vehicle", V.vehicle),
    Column("ppe_trained", "#meta+ppe", V.ppe_trained),
    Column("home_lat", "#geo+lat", V.home_lat),
    Column("home_lon", "#geo+lon", V.home_lon),
    Column("province_code", "#adm1+code", V.area_code, area_part(2)),
    Column("district_code", "#adm2+code", V.area_code, area_part(4)),
    Column("subdistrict_code", "#adm3+code", V.area_code, area_part(6)),
    Column("service_radius_km", "#meta+radius_km", V.service_radius_km),
    Column("available_now", "#status+available", V.available_now),
    Column("verified_at", "#date+verified", V.verified_at, when),
    Column("created_at", "#date+created", V.created_at, when),
)

REQUEST_FILTERS = frozenset({"status", "category", "urgency"})
FACILITY_FILTERS = frozenset({"status", "type", "free_beds"})
DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "requests",
            REQUEST_COLUMNS,
            Action.MANAGE_REQUESTS,
            REQUEST_FILTERS,
            _requests_where(public=False),
            R.id,
        ),
        Dataset(
            "public-requests",
            PUBLIC_REQUEST_COLUMNS,
            None,
            REQUEST_FILTERS,
            _requests_where(public=True),
            R.id,
        ),
        Dataset(
            "facilities",
            FACILITY_COLUMNS,
            Action.MANAGE_FACILITIES,
            FACILITY_FILTERS,
            _facilities_where,
            F.id,
        ),
        Dataset(
            "public-facilities",
            PUBLIC_FACILITY_COLUMNS,
            None,
            FACILITY_FILTERS,
            _facilities_where,
            F.id,
        ),
        Dataset(
            "volunteers",
            VOLUNTEER_COLUMNS,
            Action.LIST_VOLUNTEERS,
            frozenset({"verified"}),
            _volunteers_where,
            V.id,
            lat="home_lat",
            lon="home_lon",
        ),
    )
}
