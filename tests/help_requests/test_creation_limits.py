"""Requests for help per account and per address and hour: a clear 429, staff not counted."""

import httpx
import pytest
from sqlalchemy import func, select

from jitasa.core.words import Role
from jitasa.help_requests.models import HelpRequest
from jitasa.main import create_app
from tests.factories import signed_in
from tests.help_requests.helpers import sos

PER_ACCOUNT, PER_ADDRESS = 2, 3


@pytest.fixture
async def limited(settings, engine):
    """A client of an app allowing 2 requests an hour per account and 3 per address."""
    app = create_app(
        settings.model_copy(
            update={"requests_per_account": PER_ACCOUNT, "requests_per_address": PER_ADDRESS}
        )
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await app.state.throttle.aclose()
    await app.state.engine.dispose()


async def created(session) -> int:
    """Return how many requests exist."""
    return await session.scalar(select(func.count()).select_from(HelpRequest))


async def test_an_account_past_its_hourly_limit_is_told_when_to_try_again(limited, session):
    _user, headers = await signed_in(session)
    for _ in range(PER_ACCOUNT):
        assert (
            await limited.post("/api/v1/requests", json=sos(), headers=headers)
        ).status_code == 201
    refused = await limited.post("/api/v1/requests", json=sos(), headers=headers)
    assert refused.status_code == 429
    problem = refused.json()
    assert problem["code"] == "request.too_many"
    assert "1669" in problem["detail"] and "1669" in problem["detail_th"]
    assert "นาที" in problem["detail_th"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert await created(session) == PER_ACCOUNT


async def test_a_replay_with_the_same_key_is_not_counted_again(limited, session):
    _user, headers = await signed_in(session)
    again = {**headers, "Idempotency-Key": "sos-1"}
    for _ in range(PER_ACCOUNT + 2):
        assert (
            await limited.post("/api/v1/requests", json=sos(), headers=again)
        ).status_code == 201
    assert (await limited.post("/api/v1/requests", json=sos(), headers=headers)).status_code == 201
    assert await created(session) == 2


async def test_a_refused_create_counts_nothing(limited, session):
    _user, headers = await signed_in(session)
    for _ in range(PER_ACCOUNT + 2):  # an unknown category: refused, so not counted
        bad = await limited.post("/api/v1/requests", json=sos(category="unicorns"), headers=headers)
        assert bad.status_code == 422
    assert (await limited.post("/api/v1/requests", json=sos(), headers=headers)).status_code == 201


async def test_many_accounts_from_one_address_are_limited_together(limited, session):
    statuses = []
    for _ in range(PER_ADDRESS + 1):
        _user, headers = await signed_in(session)
        statuses.append(
            (await limited.post("/api/v1/requests", json=sos(), headers=headers)).status_code
        )
    assert statuses == [201] * PER_ADDRESS + [429]
    _user, headers = await signed_in(session)
    refused = await limited.post("/api/v1/requests", json=sos(), headers=headers)
    assert refused.json()["code"] == "request.too_many_from_address"
    assert "เครือข่าย" in refused.json()["detail_th"]


async def test_staff_enter_requests_for_many_callers_without_a_limit(limited, session):
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    for _ in range(PER_ADDRESS + 2):
        assert (
            await limited.post("/api/v1/requests", json=sos(), headers=headers)
        ).status_code == 201
