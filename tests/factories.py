"""Test factories: users with roles and an area, and API tokens to sign the HTTP client in."""

import itertools
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.core.words import Role
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers.models import Volunteer
from jitasa.volunteers.schemas import VolunteerSave

_phone_numbers = itertools.count(1)


def next_phone() -> str:
    """Return a Thai mobile number (E.164) no other factory call in this run returned."""
    return f"+6681{next(_phone_numbers):07d}"


async def make_user(
    session: AsyncSession,
    *,
    roles: Iterable[Role | str] = (Role.REQUESTER,),
    area_code: str | None = None,
    phone: str | None = None,
    display_name: str | None = None,
) -> User:
    """Create and commit a user with these roles and area scope."""
    user = await accounts_service.save_user(
        session,
        phone=phone or next_phone(),
        roles={Role(r) for r in roles},
        area_code=area_code,
        display_name=display_name,
    )
    await session.commit()
    return user


async def bearer(session: AsyncSession, user: User) -> dict[str, str]:
    """Create and commit an API token for the user; return the header that signs a client in."""
    _token, plaintext = await accounts_service.create_token(session, user=user, name="test")
    await session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


async def signed_in(
    session: AsyncSession,
    *,
    roles: Iterable[Role | str] = (Role.REQUESTER,),
    area_code: str | None = None,
    display_name: str | None = None,
) -> tuple[User, dict[str, str]]:
    """Create a user with these roles and area; return it with its Authorization header."""
    user = await make_user(session, roles=roles, area_code=area_code, display_name=display_name)
    return user, await bearer(session, user)


async def make_volunteer(
    session: AsyncSession,
    *,
    user: User | None = None,
    home_lat: float = 18.789,
    home_lon: float = 98.974,
    area_code: str | None = None,
    **profile: object,
) -> Volunteer:
    """Create and commit a volunteer profile (by default at home in Mueang Chiang Mai, 5001)."""
    user = user or await make_user(session, roles=[Role.REQUESTER])
    volunteer_in = VolunteerSave(
        **{"kind": "general", **profile},
        home_lat=home_lat,
        home_lon=home_lon,
        area_code=area_code,
    )
    volunteer, _created = await volunteers_service.save_profile(
        session, user=user, volunteer_in=volunteer_in, refresh_seconds=0
    )
    await session.commit()
    return volunteer
