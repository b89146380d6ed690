"""Help request test helpers: SOS bodies, requests made through the service, volunteers."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.models import User
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.help_requests import service as requests_service
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestCreate
from jitasa.volunteers.models import Volunteer
from tests.factories import bearer, make_user, make_volunteer

CHIANG_MAI = {"lat": 18.7883, "lon": 98.9853}  # Mueang Chiang Mai: province 50, district 5001
CHOM_THONG = {"lat": 18.4167, "lon": 98.675}  # district 5002


def sos(**overrides: object) -> dict:
    """Return an SOS form body in Chiang Mai city; fields can be overridden."""
    return {
        "category": "food_supplies",
        "urgency": "urgent",
        **CHIANG_MAI,
        "people_count": 3,
        "description": "No rice left since the flood",
        **overrides,
    }


async def make_request(
    session: AsyncSession, *, requester: User | None = None, **overrides: object
) -> HelpRequest:
    """Create and commit an open request through the service (as the API would)."""
    requester = requester or await make_user(session)
    body = sos(**overrides)
    if body["category"] in ("oxygen", "medicine", "medical_help", "patient_transport"):
        body.setdefault("consent", True)
    help_request = await requests_service.create(
        session,
        request_in=HelpRequestCreate(**body),
        requester=requester,
        refresh_seconds=0,
    )
    await session.commit()
    return help_request


async def put_in_status(
    session: AsyncSession, help_request: HelpRequest, status: str, *, claimed_by: User | None
) -> HelpRequest:
    """Set a request's status (and claimer) directly in the database and commit."""
    help_request.status = status
    help_request.claimed_by_id = claimed_by.id if claimed_by else None
    help_request.claimed_at = utcnow() if claimed_by else None
    await session.commit()
    return help_request


async def volunteer(
    session: AsyncSession, *, verified: bool = True, **profile: object
) -> tuple[Volunteer, dict[str, str]]:
    """Create a volunteer at home in Chiang Mai city, verified or not; return it and headers."""
    user = await make_user(session, roles=[Role.REQUESTER])
    profile_row = await make_volunteer(session, user=user, **profile)
    if verified:
        profile_row.verified_at = utcnow()
        await session.commit()
    return profile_row, await bearer(session, user)


async def events_of(session: AsyncSession, request_id: int) -> list[RequestEvent]:
    """Return a request's timeline straight from the database, oldest first."""
    statement = (
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    )
    found = await session.scalars(statement.execution_options(populate_existing=True))
    return list(found.all())


async def reload(session: AsyncSession, request_id: int) -> HelpRequest:
    """Read a request again from the database (not the session's cached copy)."""
    return await session.get(HelpRequest, request_id, populate_existing=True)


def field_names(response) -> set[str]:
    """Return the fields named by a problem document's `errors`."""
    return {error["field"] for error in response.json().get("errors", [])}
