"""Helpers of the periodic job tests: requests made old, jobs run as the runner runs them."""

from datetime import timedelta

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from jitasa.core.db import create_session_factory, transaction, utcnow
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.help_requests import service as requests_service
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestCreate
from tests.factories import make_user, make_volunteer

MUEANG_CHIANG_MAI = {"lat": 18.7883, "lon": 98.9853}
PHONE = "+66812345678"


async def new_request(session: AsyncSession, **fields: object) -> HelpRequest:
    """Create and commit an open request in Chiang Mai through the service."""
    requester = await make_user(session)
    body = {
        "category": "food_supplies",
        "urgency": "urgent",
        **MUEANG_CHIANG_MAI,
        "address_text": "12 Moo 3, near the temple",
        "description": "Grandmother cannot walk, no rice left",
        "contact_name": "Somchai Jaidee",
        "contact_phone": PHONE,
        **fields,
    }
    if body["category"] == "medical_help":
        body["consent"] = True
    help_request = await requests_service.create(
        session, request_in=HelpRequestCreate(**body), requester=requester, refresh_seconds=0
    )
    await session.commit()
    return help_request


async def claimed_request(session: AsyncSession) -> HelpRequest:
    """Create a request and have a volunteer claim it."""
    help_request = await new_request(session)
    volunteer = await make_user(session, roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=volunteer)  # at home near the request
    await lifecycle.claim(session, help_request=help_request, user=volunteer)
    await session.commit()
    return help_request


async def age(session: AsyncSession, help_request: HelpRequest, **ages: timedelta) -> None:
    """Move a request's timestamps (created_at, updated_at, closed_at…) that far into the past."""
    now = utcnow()
    await session.execute(
        update(HelpRequest)
        .where(HelpRequest.id == help_request.id)
        .values({column: now - ago for column, ago in ages.items()})
    )
    await session.commit()


async def run_job(engine: AsyncEngine, job, **arguments) -> int:
    """Run one job now in its own committed transaction, as the runner does."""
    async with transaction(create_session_factory(engine)) as session:
        return await job(session, now=utcnow(), **arguments)


async def reload(session: AsyncSession, help_request: HelpRequest) -> HelpRequest:
    """Read a request again from the database."""
    await session.refresh(help_request)
    return help_request


async def events_of(session: AsyncSession, help_request: HelpRequest, kind: str | None = None):
    """Return a request's timeline entries (of one kind), oldest first."""
    request_id = inspect(help_request).identity[0]  # even when expired, without a query
    statement = select(RequestEvent).where(RequestEvent.request_id == request_id)
    if kind:
        statement = statement.where(RequestEvent.kind == kind)
    session.expire_all()
    return list(await session.scalars(statement.order_by(RequestEvent.id)))
