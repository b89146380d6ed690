"""Volunteer profiles: registration, the roster and what a volunteer may take on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from jitasa.accounts import service as accounts_service
from jitasa.areas import chosen as area_choice
from jitasa.areas import service as areas_service
from jitasa.audit import service as audit_service
from jitasa.core import area_scope, geo
from jitasa.core.errors import DomainError, NotFound, invalid_field
from jitasa.core.words import Role
from jitasa.volunteers import signals
from jitasa.volunteers.models import Vehicle, Volunteer
from jitasa.volunteers.schemas import VolunteerSave

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User

# A corrected pin or GPS jitter is not a move; a home this much farther away is.
MOVE_KM = 1.0
# How far from a request a coordinator's assign list looks for volunteers.
ASSIGN_SEARCH_KM = 50.0


async def home_area(
    session: AsyncSession, *, lat: float, lon: float, area_code: str | None, refresh_seconds: float
) -> str:
    """Return a home pin's area: the most precise boundary holding it, else the chosen area."""
    pins = [(lat, lon, area_code)]
    found = (await home_areas(session, pins=pins, refresh_seconds=refresh_seconds))[0]
    if isinstance(found, DomainError):
        raise found
    return found


async def home_areas(
    session: AsyncSession,
    *,
    pins: list[tuple[float, float, str | None]],
    refresh_seconds: float,
) -> list[str | DomainError]:
    """`home_area` of many (lat, lon, chosen area code or None) at once, in order: the pins
    are located in one pass (an import's batch); a refused pin gives its error, not a code."""
    points = [(lat, lon) for lat, lon, _ in pins]
    located = await areas_service.locate_codes_many(
        session, points=points, refresh_seconds=refresh_seconds
    )
    found: list[str | DomainError] = []
    for (lat, lon, area_code), codes in zip(pins, located, strict=True):
        try:
            found.append(await _home_area_of(session, lat, lon, area_code, codes, refresh_seconds))
        except DomainError as error:
            found.append(error)
    return found


async def _home_area_of(
    session: AsyncSession,
    lat: float,
    lon: float,
    area_code: str | None,
    located: dict[str, str],
    refresh_seconds: float,
) -> str:
    if not geo.in_thailand_box(lat, lon):  # no chosen area can make this pin right
        raise invalid_field(
            "home_lat", "The home pin is outside Thailand; move it to where you live."
        )
    precise = max(located.values(), key=len, default=None)
    if precise:
        # Boundaries may be loaded only down to districts: a chosen subdistrict inside the
        # located district is more precise, while a choice elsewhere loses to the pin.
        if area_code and area_code != precise and area_code.startswith(precise):
            return (await area_choice.known_area(session, code=area_code)).code
        return precise
    if area_code:
        chosen = await area_choice.chosen_area(
            session, code=area_code, lat=lat, lon=lon, pin_field="home_lat"
        )
        return chosen.code
    snapshot = await areas_service.directory(session, refresh_seconds=refresh_seconds)
    if len(snapshot.locator):
        raise invalid_field(
            "home_lat",
            "No area of Thailand holds the home pin; move it onto your home or choose your area.",
        )
    raise invalid_field(
        "area_code", "Choose the area you live in; it cannot be found from the pin."
    )


async def get_for_user(session: AsyncSession, *, user: User) -> Volunteer | None:
    """Return the user's volunteer profile, if any (its `user` is this one, not read again)."""
    volunteer = await session.scalar(
        select(Volunteer).where(Volunteer.user_id == user.id).options(lazyload(Volunteer.user))
    )
    if volunteer is not None:
        set_committed_value(volunteer, "user", user)
    return volunteer


async def get_or_raise(session: AsyncSession, *, volunteer_id: int) -> Volunteer:
    """Return the volunteer with this id or raise 404."""
    volunteer = await session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(
            "volunteers.not_found",
            "There is no volunteer {volunteer_id}.",
            {"volunteer_id": volunteer_id},
        )
    return volunteer


async def save_profile(
    session: AsyncSession,
    *,
    user: User,
    volunteer_in: VolunteerSave,
    refresh_seconds: float,
    client_ip: str = "",
) -> tuple[Volunteer, bool]:
    """Register or update the user's volunteer profile; return it and whether it is new."""
    area_code = await home_area(
        session,
        lat=volunteer_in.home_lat,
        lon=volunteer_in.home_lon,
        area_code=volunteer_in.area_code,
        refresh_seconds=refresh_seconds,
    )
    volunteer = await get_for_user(session, user=user)
    created = volunteer is None
    area_code = _kept_home_area(volunteer, volunteer_in, area_code)
    before = None if volunteer is None else volunteer.area_code
    cleared = False
    if volunteer is None:
        volunteer = Volunteer(user=user)
        session.add(volunteer)
    elif volunteer.is_verified and _moved(volunteer, volunteer_in, area_code):
        # Verification vouches for a person known at their home to that area's coordinators, and
        # it lets them take medical requests; after a move the new area's staff must vouch again.
        await audit_service.record(
            session,
            action="volunteer.verification_cleared",
            actor_id=user.id,
            subject_type="volunteers",
            subject_id=volunteer.id,
            area_code=volunteer.area_code,
            client_ip=client_ip,
            reason="moved",
            new_area_code=area_code,
            verified_by_id=volunteer.verified_by_id,
        )
        volunteer.verified_at = None
        volunteer.verified_by_id = None
        cleared = True
    # An updated profile goes back to the verification queue for another look.
    volunteer.refused_at = volunteer.refusal_reason = volunteer.refused_by_id = None
    volunteer.kind = volunteer_in.kind
    volunteer.skills = list(volunteer_in.skills)
    volunteer.vehicle = volunteer_in.vehicle
    volunteer.ppe_trained = volunteer_in.ppe_trained
    volunteer.home_lat = volunteer_in.home_lat
    volunteer.home_lon = volunteer_in.home_lon
    volunteer.area_code = area_code
    volunteer.service_radius_km = volunteer_in.service_radius_km
    volunteer.available_now = volunteer_in.available_now
    await accounts_service.save_user(
        session,
        phone=user.phone,
        roles={Role.VOLUNTEER},
        display_name=volunteer_in.display_name,
        actor_id=user.id,
        client_ip=client_ip,
    )
    await session.flush()
    _announce(session, volunteer, before=before, cleared=cleared)
    return volunteer, created


def _announce(
    session: AsyncSession, volunteer: Volunteer, *, before: str | None, cleared: bool
) -> None:
    """Tell the live pages which areas' volunteer figures a saved profile moved: its new area
    (`before` is None), the area it lost its verification in, the areas it moved between."""
    ids = {"volunteer_id": volunteer.id, "user_id": volunteer.user_id}
    if before is None:
        signals.changed(session, signals.REGISTERED, area_code=volunteer.area_code, **ids)
        return
    if cleared:
        signals.changed(session, signals.UNVERIFIED, area_code=before, **ids)
    if volunteer.area_code != before:
        if not cleared:
            signals.changed(session, signals.MOVED, area_code=before, **ids)
        signals.changed(session, signals.MOVED, area_code=volunteer.area_code, **ids)


def _kept_home_area(volunteer: Volunteer | None, volunteer_in: VolunteerSave, located: str) -> str:
    """Return the stored home area when it lies inside the one the pin locates, else `located`.

    Boundaries may be loaded only down to districts while a volunteer's home area is a
    subdistrict they chose, or the village staff made them the อสม. of (volunteers.villages):
    saving the same home again must not widen it, nor clear the verification with it. A
    village is kept for an อสม. only; another kind keeps its subdistrict.
    """
    stored = volunteer.area_code if volunteer else ""
    if len(stored) == 8 and volunteer_in.kind != "vhv":
        stored = stored[:6]
    return stored if stored.startswith(located) else located


def _moved(volunteer: Volunteer, volunteer_in: VolunteerSave, area_code: str) -> bool:
    """Tell whether a profile update moves the volunteer's home to another area or place."""
    distance = geo.distance_km(
        volunteer.home_lat, volunteer.home_lon, volunteer_in.home_lat, volunteer_in.home_lon
    )
    return area_code != volunteer.area_code or distance > MOVE_KM


async def list_volunteers(
    session: AsyncSession,
    *,
    reader: User,
    client_ip: str,
    area_prefix: str | None,
    verified: bool | None,
    limit: int,
    cursor: int | None,
    waiting_only: bool = False,
) -> tuple[list[Volunteer], str | None]:
    """List volunteers by id within an area, optionally only the (un)verified; with next cursor.

    The reader's sight of their personal data is logged (PDPA).
    """
    statement = select(Volunteer).order_by(Volunteer.id).limit(limit + 1)
    if area_prefix:
        statement = statement.where(area_scope.inside(Volunteer.area_code, area_prefix))
    if verified is True:
        statement = statement.where(Volunteer.verified_at.is_not(None))
    elif verified is False:
        statement = statement.where(Volunteer.verified_at.is_(None))
    if waiting_only:  # the verification queue: neither verified nor refused
        statement = statement.where(Volunteer.verified_at.is_(None), Volunteer.refused_at.is_(None))
    if cursor is not None:
        statement = statement.where(Volunteer.id > cursor)
    rows = list((await session.scalars(statement)).all())
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    page = rows[:limit]
    if page:  # an empty page shows nobody's personal data
        await record_personal_data_read(
            session, reader=reader, area_code=area_prefix, count=len(page), client_ip=client_ip
        )
    return page, next_cursor


async def assignable_near(
    session: AsyncSession,
    *,
    lat: float,
    lon: float,
    limit: int,
    leave_out_user_ids: set[int],
    radius_km: float = ASSIGN_SEARCH_KM,
) -> list[tuple[Volunteer, float]]:
    """Return verified volunteers available now whose home is near the point, nearest first."""
    west, south, east, north = geo.bbox_around(lat, lon, radius_km)
    statement = select(Volunteer).where(
        Volunteer.verified_at.is_not(None),
        Volunteer.available_now.is_(True),
        Volunteer.home_lat.between(south, north),
        Volunteer.home_lon.between(west, east),
    )
    if leave_out_user_ids:
        statement = statement.where(Volunteer.user_id.not_in(leave_out_user_ids))
    found = [
        (volunteer, geo.distance_km(lat, lon, volunteer.home_lat, volunteer.home_lon))
        for volunteer in await session.scalars(statement)
    ]
    near = sorted((pair for pair in found if pair[1] <= radius_km), key=lambda pair: pair[1])
    return near[:limit]


async def read(
    session: AsyncSession, *, volunteer: Volunteer, reader: User, client_ip: str
) -> Volunteer:
    """Return a volunteer's profile to a reader, logging it when it is someone else's (PDPA)."""
    if volunteer.user_id != reader.id:
        await record_personal_data_read(
            session,
            reader=reader,
            area_code=volunteer.area_code,
            count=1,
            client_ip=client_ip,
            volunteer_id=volunteer.id,
        )
    return volunteer


async def record_personal_data_read(
    session: AsyncSession,
    *,
    reader: User,
    area_code: str | None,
    count: int,
    client_ip: str,
    volunteer_id: int | None = None,
) -> None:
    """Log that a reader saw volunteers' personal data (PDPA: who accessed it, and when)."""
    await audit_service.record(
        session,
        action="personal_data.read",
        actor_id=reader.id,
        subject_type="volunteers",
        subject_id=volunteer_id if volunteer_id is not None else "",
        area_code=area_code,
        client_ip=client_ip,
        area=area_code,
        count=count,
    )


def has_vehicle(volunteer: Volunteer | None) -> bool:
    """Tell whether a volunteer said they can drive people (any vehicle on their profile)."""
    return volunteer is not None and volunteer.vehicle != Vehicle.NONE


def ppe_trained(volunteer: Volunteer | None) -> bool:
    """Tell whether a volunteer is trained in protective equipment (moving the deceased)."""
    return volunteer is not None and volunteer.ppe_trained


def may_help_medical(volunteer: Volunteer) -> bool:
    """Tell whether a volunteer may take medical requests: only once a coordinator verified them."""
    return volunteer.is_verified
