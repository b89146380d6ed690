"""What scenarios share: signed-in users with API tokens, the app in-process, generated pins."""

from collections.abc import Iterable
from contextlib import asynccontextmanager

import httpx
import numpy as np
from sqlalchemy import func, select

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.core.config import Settings
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.help_requests.models import HelpRequest
from jitasa.main import create_app
from jitasa.volunteers.models import Volunteer

BANGKOK_HOME = (13.7563, 100.5018, "1001")  # Phra Nakhon


async def signed_in(
    context, count: int, *, role: Role, area_code: str | None = None
) -> list[dict[str, str]]:
    """Create `count` users with this role and area (volunteers verified); return auth headers."""
    headers = []
    async with context.session_factory() as session:
        # Phones past every user id so far never collide with an earlier run's.
        first = (await session.scalar(select(func.max(User.id)))) or 0
        for number in range(first + 1, first + 1 + count):
            user = await accounts_service.save_user(
                session,
                phone=f"+666{number:08d}",
                roles={role},
                area_code=area_code,
                display_name=f"bench {number}",
            )
            if role == Role.VOLUNTEER:
                lat, lon, area = BANGKOK_HOME
                session.add(
                    Volunteer(
                        user_id=user.id,
                        home_lat=lat,
                        home_lon=lon,
                        area_code=area,
                        verified_at=utcnow(),
                    )
                )
            _token, plaintext = await accounts_service.create_token(
                session, user=user, name="bench"
            )
            headers.append({"Authorization": f"Bearer {plaintext}"})
        await session.commit()
    return headers


@asynccontextmanager
async def in_process(settings: Settings, *, connections: int = 100, map_index: bool = False):
    """Yield an HTTP client talking to a fresh app in this process (no network, no lifespan).

    With `map_index`, the app's cluster index is built first, as the lifespan does before a
    server answers (otherwise the first map request builds it).
    """
    app = create_app(settings)
    if map_index:
        await app.state.map_index.ensure(app.state.read_session_factory)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # a 500 is a figure
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", limits=limits, timeout=60
        ) as client:
            yield client
    finally:
        await app.state.throttle.aclose()
        await app.state.message_sender.aclose()
        await app.state.engine.dispose()


async def pins(context, *, public: bool = True, statuses: Iterable[str] = ()) -> np.ndarray:
    """Return every request's (lat, lon) pin, public or exact, optionally of some statuses."""
    lat, lon = (
        (HelpRequest.public_lat, HelpRequest.public_lon)
        if public
        else (HelpRequest.lat, HelpRequest.lon)
    )
    statement = select(lat, lon).order_by(HelpRequest.id)
    if statuses:
        statement = statement.where(HelpRequest.status.in_(list(statuses)))
    async with context.session_factory() as session:
        rows = (await session.execute(statement)).all()
    return np.array(rows, dtype=float).reshape(-1, 2)
