"""Help requests: create (with area lookup), find, list, duplicates and merge."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.areas import chosen as area_choice
from jitasa.areas import service as areas_service
from jitasa.core import area_scope, geo
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict, FieldError, Invalid, NotFound, invalid_field
from jitasa.core.i18n import thai
from jitasa.core.words import OTHER_URGENCIES, TRIAGE_COLOURS
from jitasa.help_requests import access, signals
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import CONSENT_VERSION, HelpRequestCreate
from jitasa.help_requests.states import Status
from jitasa.incidents import service as incidents_service

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User
    from jitasa.incidents.models import Incident

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud on the phone
DUPLICATE_WINDOW = timedelta(hours=24)
CELL_EPSILON = 1e-6  # public pins are cell centres rounded to 4 decimals: equal up to float noise


def new_code() -> str:
    """Return a short public tracking code such as "JT-7K3M9Q"."""
    return "JT-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def _insert_skipping_taken_codes(dialect_name: str):
    """Return the request's insert that skips a taken code, built once per dialect.

    Its values come as parameters: a statement made with `.values(...)` each time is keyed and
    compiled again for every request (a NULL value is written into its text).
    """
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (
        dialect.insert(HelpRequest)
        .on_conflict_do_nothing(index_elements=[HelpRequest.code])
        .returning(HelpRequest)
    )


_INSERTS = {name: _insert_skipping_taken_codes(name) for name in ("postgresql", "sqlite")}


async def _insert_with_unused_code(session: AsyncSession, values: dict) -> HelpRequest:
    """Insert the request under a tracking code no request has yet, in one statement each try.

    The code is chosen at random and the insert skips a taken one (`ON CONFLICT (code) DO
    NOTHING ... RETURNING`): with a million requests, 1 try in 900 meets a taken code and is
    made again with another. Returns the request as stored, in the session.
    """
    statement = _INSERTS[session.get_bind().dialect.name]
    while True:
        stored = (await session.scalars(statement, [{**values, "code": new_code()}])).first()
        if stored is not None:
            return stored


def _check_category(incident: Incident, request_in: HelpRequestCreate):
    """Return the request's category of the incident, refusing unknown ones and bad urgency."""
    category = incident.category(request_in.category)
    if category is None:
        codes = ", ".join(c.code for c in incident.categories)
        raise invalid_field("category", "{field} must be one of: {expected}.", expected=codes)
    allowed = TRIAGE_COLOURS if category.medical else OTHER_URGENCIES
    if request_in.urgency not in allowed:
        raise invalid_field(
            "urgency", "{field} must be one of: {expected}.", expected=", ".join(allowed)
        )
    if request_in.mobility is not None and not category.transport:
        raise invalid_field("mobility", "{field} is only for transport requests.")
    if category.medical and not request_in.consent:
        raise invalid_field(
            "consent",
            "Medical requests need your explicit consent to keep health information.",
        )
    return category


async def _area_codes(
    session: AsyncSession, *, request_in: HelpRequestCreate, refresh_seconds: float
) -> dict[str, str]:
    """Find the areas of the pin, or use the chosen area when no boundary holds it."""
    found, boundaries_loaded = await areas_service.locate_codes(
        session, lat=request_in.lat, lon=request_in.lon, refresh_seconds=refresh_seconds
    )
    if found:
        if request_in.area_code:  # the pin decides; a code that names no area is still wrong
            await area_choice.known_area(session, code=request_in.area_code)
        return found
    outside = (boundaries_loaded and not request_in.area_code) or not geo.in_thailand_box(
        request_in.lat, request_in.lon
    )
    if outside:
        message = "The pin is outside Thailand; move it to where help is needed."
        raise Invalid(
            "validation.invalid",
            message,
            {},
            [FieldError(name, message, thai(message)) for name in ("lat", "lon")],
        )
    if not request_in.area_code:
        raise invalid_field("area_code", "Choose the area: no loaded boundary holds this pin.")
    area = await area_choice.chosen_area(
        session, code=request_in.area_code, lat=request_in.lat, lon=request_in.lon, pin_field="lat"
    )
    return area_choice.level_codes(area.code)


CLOSED_INCIDENT = (
    "The incident {code} is closed and takes no new requests. "
    "If someone is in danger, call 1669 now."
)


_INCIDENTS = "jitasa.incidents_of_transaction"


async def incident_of(session: AsyncSession, *, code: str | None) -> Incident:
    """Return the incident a request names (else the default one), refusing one that is over.

    Read once per transaction: the creates of a shared commit (`core.shared_commits`) ask for
    the same incident, which cannot change under the transaction's write lock.
    """
    transaction = session.sync_session.get_transaction()
    known = session.info.get(_INCIDENTS)
    if known is None or known[0] is not transaction:
        known = session.info[_INCIDENTS] = (transaction, {})
    incident = known[1].get(code)
    if incident is None:
        incident = known[1][code] = (
            await incidents_service.get_or_raise(session, code=code)
            if code
            else await incidents_service.default_incident(session)
        )
    if not incident.active:
        message = CLOSED_INCIDENT.format(code=incident.code)
        raise Conflict(
            "incidents.closed",
            CLOSED_INCIDENT,
            {"code": incident.code},
            [FieldError("incident", message, thai(CLOSED_INCIDENT, code=incident.code))],
        )
    return incident


async def prepare(
    session: AsyncSession,
    *,
    request_in: HelpRequestCreate,
    incident: Incident,
    requester: User,
    refresh_seconds: float,
    now: datetime,
) -> dict[str, object]:
    """Check a new request against its incident and areas; return its row (all but the code)."""
    category = _check_category(incident, request_in)
    codes = await _area_codes(session, request_in=request_in, refresh_seconds=refresh_seconds)
    public_lat, public_lon = geo.round_for_privacy(request_in.lat, request_in.lon)
    return {
        "incident_id": incident.id,
        "category": category.code,
        "medical": category.medical,
        "urgency": request_in.urgency,
        "status": Status.OPEN,
        "lat": request_in.lat,
        "lon": request_in.lon,
        "public_lat": public_lat,
        "public_lon": public_lon,
        "province_code": codes.get("province"),
        "district_code": codes.get("district"),
        "subdistrict_code": codes.get("subdistrict"),
        "area_code": codes.get("subdistrict") or codes.get("district") or codes.get("province"),
        "address_text": request_in.address_text.strip(),
        "people_count": request_in.people_count,
        "description": request_in.description.strip(),
        "contact_name": request_in.contact_name.strip() or requester.display_name,
        "contact_phone": request_in.contact_phone or requester.phone,
        "for_someone_else": request_in.for_someone_else,
        "consent_version": CONSENT_VERSION if request_in.consent else None,
        "consent_at": now if request_in.consent else None,
        "requester_id": requester.id,
        # A patient's transport carries their colour (the bed they need) and how they move.
        "triage_colour": request_in.urgency if category.transport and category.medical else None,
        "mobility": request_in.mobility.value if request_in.mobility else None,
        "created_at": now,
        "updated_at": now,
    }


async def create(
    session: AsyncSession, *, request_in: HelpRequestCreate, requester: User, refresh_seconds: float
) -> HelpRequest:
    """Record a new open request with its areas and the first timeline entry."""
    incident = await incident_of(session, code=request_in.incident)
    values = await prepare(
        session,
        request_in=request_in,
        incident=incident,
        requester=requester,
        refresh_seconds=refresh_seconds,
        now=utcnow(),
    )
    help_request = await _insert_with_unused_code(session, values)
    # The timeline's first entry is written with the session's next flush (the commit's).
    session.add(
        RequestEvent(
            request_id=help_request.id, actor_id=requester.id, kind="created", to_status=Status.OPEN
        )
    )
    signals.created(session, help_request)
    return help_request


async def get_or_raise(session: AsyncSession, *, request_id: int) -> HelpRequest:
    """Return the request with this id or raise 404."""
    help_request = await session.get(HelpRequest, request_id)
    if help_request is None:
        raise NotFound(
            "request.not_found",
            "There is no help request {request_id}.",
            {"request_id": request_id},
        )
    return help_request


async def list_requests(
    session: AsyncSession,
    *,
    bbox: tuple[float, float, float, float] | None,
    area: str | None,
    statuses: list[str],
    categories: list[str],
    urgencies: list[str],
    requester_id: int | None = None,
    claimed_by_id: int | None = None,
    limit: int,
    before_id: int | None,
    kept_only: bool = False,
) -> list[HelpRequest]:
    """List requests matching the filters, newest first (`kept_only`: not of archived incidents)."""
    statement = select(HelpRequest).order_by(HelpRequest.id.desc()).limit(limit)
    if kept_only:
        statement = statement.where(access.in_kept_incidents())
    if bbox:
        west, south, east, north = bbox
        statement = statement.where(
            HelpRequest.public_lat.between(south, north), HelpRequest.public_lon.between(west, east)
        )
    if area:
        statement = statement.where(area_scope.inside(HelpRequest.area_code, area))
    statement = kind_filters(
        statement, statuses=statuses, categories=categories, urgencies=urgencies
    )
    if requester_id is not None:
        statement = statement.where(HelpRequest.requester_id == requester_id)
    if claimed_by_id is not None:
        statement = statement.where(HelpRequest.claimed_by_id == claimed_by_id)
    if before_id:
        statement = statement.where(HelpRequest.id < before_id)
    return list((await session.scalars(statement)).all())


async def possible_duplicates(
    session: AsyncSession,
    *,
    asker: User,
    phone: str | None,
    category: str | None,
    lat: float,
    lon: float,
) -> list[tuple[HelpRequest, bool, int]]:
    """Return active requests of the last 24 h that a new one at this point may repeat.

    A request is a candidate when its public pin is the probe's public cell with the same
    category, or when its phone is the one given and the asker sees it in full (their own
    request; area staff: their area's). Everything is measured between public cells,
    so every probe inside one cell gets the same answer and no stranger's phone is confirmed.
    """
    since = utcnow() - DUPLICATE_WINDOW
    cell_lat, cell_lon = geo.round_for_privacy(lat, lon)
    same_cell_category = (
        and_(
            HelpRequest.category == category,
            HelpRequest.public_lat.between(cell_lat - CELL_EPSILON, cell_lat + CELL_EPSILON),
            HelpRequest.public_lon.between(cell_lon - CELL_EPSILON, cell_lon + CELL_EPSILON),
        )
        if category
        else False
    )
    same_phone = HelpRequest.contact_phone == phone if phone else False
    if phone and not policy.allows(asker, Action.MANAGE_REQUESTS, area_code=asker.area_code):
        same_phone = and_(same_phone, HelpRequest.requester_id == asker.id)
    statement = (
        select(HelpRequest)
        .where(
            HelpRequest.status.in_([Status.OPEN, Status.CLAIMED, Status.IN_PROGRESS]),
            HelpRequest.created_at >= since,
            or_(same_phone, same_cell_category),
        )
        .order_by(HelpRequest.id.desc())
        .limit(20)
    )
    found = []
    for help_request in await session.scalars(statement):
        phone_matches = (
            bool(phone)
            and help_request.contact_phone == phone
            and access.sees_everything(help_request, asker)
        )
        in_cell = category == help_request.category and _same_cell(help_request, cell_lat, cell_lon)
        if phone_matches or in_cell:
            metres = geo.distance_km(
                cell_lat, cell_lon, help_request.public_lat, help_request.public_lon
            )
            found.append((help_request, phone_matches, int(round(metres * 1000, -1))))
    return found


def _same_cell(help_request: HelpRequest, cell_lat: float, cell_lon: float) -> bool:
    """Tell whether the request's public pin is the centre of this privacy cell."""
    return (
        abs(help_request.public_lat - cell_lat) <= CELL_EPSILON
        and abs(help_request.public_lon - cell_lon) <= CELL_EPSILON
    )


def kind_filters(statement, *, statuses, categories, urgencies):
    """Narrow a statement to requests of these statuses, categories and urgencies (if any)."""
    for column, values in (
        (HelpRequest.status, statuses),
        (HelpRequest.category, categories),
        (HelpRequest.urgency, urgencies),
    ):
        if values:
            statement = statement.where(column.in_(list(values)))
    return statement
