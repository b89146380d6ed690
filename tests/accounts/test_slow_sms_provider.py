"""A slow SMS provider holds up only the sign-in code it sends, not other people's requests."""

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from jitasa.accounts.models import OneTimeCode
from jitasa.main import create_app
from tests.factories import signed_in
from tests.help_requests.helpers import sos
from tests.notifications.sms_provider import TOKEN, Provider, running_provider

# Held until the test releases it; the bound only keeps a broken build from hanging the run.
HELD_SECONDS = 10.0


@pytest.fixture
def slow_provider() -> AsyncIterator[Provider]:
    """The stand-in SMS provider, holding each answer until released."""
    with running_provider() as provider:
        provider.delay = HELD_SECONDS
        yield provider


@pytest.fixture
async def sms_client(settings, slow_provider) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app that texts through the slow provider."""
    app = create_app(
        settings.model_copy(update={"sms_url": slow_provider.url, "sms_token": SecretStr(TOKEN)})
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await app.state.message_sender.aclose()
        await app.state.throttle.aclose()
        await app.state.engine.dispose()


async def test_creates_and_reads_go_on_while_a_sign_in_code_waits_for_the_provider(
    sms_client, session, slow_provider
):
    _requester, headers = await signed_in(session)
    asking = asyncio.create_task(sms_client.post("/api/v1/auth/otp", json={"phone": "0812345699"}))
    assert await asyncio.to_thread(slow_provider.arrived.wait, HELD_SECONDS)

    created = await sms_client.post("/api/v1/requests", json=sos(), headers=headers)
    listed = await sms_client.get("/api/v1/requests")
    # Both were answered while the provider still held its answer to the code request.
    assert not slow_provider.answered.is_set() and not asking.done()
    assert created.status_code == 201, created.text
    assert listed.status_code == 200
    assert created.json()["id"] in [item["id"] for item in listed.json()["items"]]

    slow_provider.release.set()
    asked = await asking
    assert asked.status_code == 202
    # The provider marks `answered` just after its last byte, so the client can read it first.
    assert await asyncio.to_thread(slow_provider.answered.wait, HELD_SECONDS)


async def test_a_code_the_provider_refused_is_not_kept_and_the_older_one_still_works(
    sms_client, session, slow_provider
):
    slow_provider.delay = 0
    first = await sms_client.post("/api/v1/auth/otp", json={"phone": "0812345698"})
    assert first.status_code == 202
    older_code = re.search(r"\b\d{6}\b", slow_provider.received[0].json()["text"]).group()
    (older,) = (await session.scalars(select(OneTimeCode.code_hash))).all()

    slow_provider.status = 500
    failed = await sms_client.post("/api/v1/auth/otp", json={"phone": "0812345698"})
    assert failed.status_code == 503
    assert failed.json()["code"] == "notifications.send_failed"
    assert (await session.scalars(select(OneTimeCode.code_hash))).all() == [older]
    verified = await sms_client.post(
        "/api/v1/auth/otp/verify", json={"phone": "0812345698", "code": older_code}
    )
    assert verified.status_code == 200

    slow_provider.status = 200  # a retry starts clean and replaces the older code
    sms_client.cookies.clear()
    retried = await sms_client.post("/api/v1/auth/otp", json={"phone": "0812345698"})
    assert retried.status_code == 202
    (newest,) = (await session.scalars(select(OneTimeCode.code_hash))).all()
    assert newest != older
