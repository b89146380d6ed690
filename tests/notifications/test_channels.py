"""Channels: the console one for development, and SMS against a real local HTTP server."""

import json
import re
import socket
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from structlog.testing import capture_logs

from jitasa.accounts.models import OneTimeCode
from jitasa.main import create_app
from jitasa.notifications.channels import ConsoleChannel, SmsHttpChannel, channel_for
from jitasa.notifications.errors import SendFailed
from tests.notifications.sms_provider import PATH, TOKEN, Provider, running_provider

PHONE = "+66812345678"
TEXT = "รหัสเข้าสู่ระบบจิตอาสา: 123456 (ใช้ได้ 5 นาที) อย่าบอกรหัสนี้กับผู้อื่น"


@pytest.fixture
def provider() -> Iterator[Provider]:
    """The stand-in SMS provider, running on loopback."""
    with running_provider() as running:
        yield running


def sms_channel(url: str, timeout: float = 5.0) -> SmsHttpChannel:
    """Return an SMS channel speaking to `url` with the provider's token."""
    return SmsHttpChannel(url=url, token=TOKEN, sender="Jitasa", timeout=timeout)


async def test_sms_goes_out_exactly_as_the_provider_documents(provider):
    channel = sms_channel(provider.url)
    await channel.send(to=PHONE, text=TEXT)
    await channel.aclose()
    [request] = provider.received
    assert request.method == "POST"
    assert request.path == PATH
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["content-type"] == "application/json"
    assert re.fullmatch(r"[0-9a-f]{32}", request.headers["idempotency-key"])
    assert request.json() == {"to": PHONE, "from": "Jitasa", "text": TEXT}


async def test_each_message_has_its_own_idempotency_key_unless_one_is_given(provider):
    channel = sms_channel(provider.url)
    await channel.send(to=PHONE, text="one")
    await channel.send(to=PHONE, text="two")
    await channel.send(to=PHONE, text="two again", idempotency_key="outbox-42")
    await channel.aclose()
    keys = [r.headers["idempotency-key"] for r in provider.received]
    assert keys[0] != keys[1] and keys[2] == "outbox-42"


@pytest.mark.parametrize("status", [500, 401, 429])
async def test_a_refusal_is_send_failed_and_the_log_keeps_no_text(provider, status):
    provider.status = status
    channel = sms_channel(provider.url)
    with capture_logs() as logs, pytest.raises(SendFailed) as failed:
        await channel.send(to=PHONE, text=TEXT)
    await channel.aclose()
    assert failed.value.code == "notifications.send_failed"
    assert failed.value.status == 503
    assert [(e["event"], e["status"]) for e in logs] == [("sms_send_failed", status)]
    logged = json.dumps(logs, ensure_ascii=False)
    assert "123456" not in logged and TEXT not in logged and PHONE not in logged


async def test_a_wrong_token_is_refused_by_the_provider_and_fails(provider):
    channel = SmsHttpChannel(url=provider.url, token="wrong", sender="Jitasa")
    with pytest.raises(SendFailed):
        await channel.send(to=PHONE, text=TEXT)
    await channel.aclose()


async def test_an_unreachable_provider_is_send_failed():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = sms_channel(f"http://127.0.0.1:{port}{PATH}")
    with capture_logs() as logs, pytest.raises(SendFailed):
        await channel.send(to=PHONE, text=TEXT)
    await channel.aclose()
    assert logs[0]["error"] == "ConnectError" and "text" not in logs[0]


async def test_a_slow_provider_times_out_as_send_failed(provider):
    provider.delay = 1.0
    channel = sms_channel(provider.url, timeout=0.2)
    with pytest.raises(SendFailed):
        await channel.send(to=PHONE, text=TEXT)
    await channel.aclose()


async def test_console_channel_logs_and_appends_a_json_line(tmp_path):
    channel = ConsoleChannel(tmp_path / "data")
    with capture_logs() as logs:
        await channel.send(to=PHONE, text=TEXT)
        await channel.send(to="+66899999999", text="second")
    lines = (tmp_path / "data" / "console-messages.jsonl").read_text("utf-8").splitlines()
    first = json.loads(lines[0])
    assert (first["to"], first["text"]) == (PHONE, TEXT) and first["at"].endswith("+00:00")
    assert json.loads(lines[1])["text"] == "second"
    assert logs[0] == {"event": "console_message", "to": PHONE, "text": TEXT, "log_level": "info"}


def test_channel_for_picks_sms_only_when_its_url_is_set(settings):
    assert isinstance(channel_for(settings.model_copy(update={"sms_url": None})), ConsoleChannel)
    sms = channel_for(
        settings.model_copy(
            update={"sms_url": "https://sms.example/v1", "sms_token": SecretStr("t")}
        )
    )
    assert isinstance(sms, SmsHttpChannel) and sms.sender == settings.sms_sender
    with pytest.raises(ValueError, match="JITASA_SMS_TOKEN"):
        channel_for(settings.model_copy(update={"sms_url": "https://sms.example/v1"}))


async def test_sign_in_codes_go_through_the_sms_provider(settings, session, provider):
    app = create_app(
        settings.model_copy(update={"sms_url": provider.url, "sms_token": SecretStr(TOKEN)})
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            asked = await client.post("/api/v1/auth/otp", json={"phone": "081 234 5678"})
            assert asked.status_code == 202
            [request] = provider.received
            assert request.json()["to"] == PHONE and request.json()["from"] == "Jitasa"
            code = re.search(r"\b\d{6}\b", request.json()["text"]).group()
            verified = await client.post(
                "/api/v1/auth/otp/verify", json={"phone": PHONE, "code": code}
            )
            assert verified.status_code == 200

            client.cookies.clear()  # signed out again: no session cookie, so no CSRF token needed
            provider.status = 500
            failed = await client.post("/api/v1/auth/otp", json={"phone": "0899999999"})
            assert failed.status_code == 503
            assert failed.json()["code"] == "notifications.send_failed"
            assert failed.headers["content-type"] == "application/problem+json"
            unsent = await session.scalar(
                select(OneTimeCode).where(OneTimeCode.phone == "+66899999999")
            )
            assert unsent is None  # the code that was never sent was not kept
    finally:
        await app.state.message_sender.aclose()
        await app.state.throttle.aclose()
        await app.state.engine.dispose()
