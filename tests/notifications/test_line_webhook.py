"""The LINE webhook: signatures checked, oversized bodies refused, accounts linked by code."""

import base64
import hashlib
import hmac
import json
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from jitasa.main import create_app
from jitasa.notifications import linking
from jitasa.notifications.models import Delivery, LineDraft, Notification, Preference
from jitasa.notifications.webhook import MAX_BODY_BYTES
from tests.factories import signed_in
from tests.help_requests.test_request_pages import HTML, csrf, sign_in
from tests.notifications.helpers import read, run_job
from tests.notifications.line_api import TOKEN, USER_ID, LineApi, running_line_api

SECRET = "line-channel-secret"


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    """Return the headers LINE sends: the body's HMAC-SHA256 under the channel secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-Line-Signature": base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }


def text_event(text: str, user_id: str = USER_ID) -> bytes:
    """Return a webhook body with one text message event, as LINE documents it."""
    return json.dumps(
        {
            "destination": "U" + "0" * 32,
            "events": [
                {
                    "type": "message",
                    "mode": "active",
                    "timestamp": 1764489600000,
                    "source": {"type": "user", "userId": user_id},
                    "webhookEventId": "01JD0000000000000000000000",
                    "deliveryContext": {"isRedelivery": False},
                    "replyToken": "b60d432864f44d079f6d8efe86cf404b",
                    "message": {
                        "id": "468789577898262530",
                        "type": "text",
                        "text": text,
                        "quoteToken": "q3Plxr4AgKd",
                    },
                }
            ],
        }
    ).encode()


@pytest.fixture
def line_api() -> Iterator[LineApi]:
    """The stand-in LINE Messaging API on loopback."""
    with running_line_api() as running:
        yield running


@pytest.fixture
def line_settings(settings, line_api):
    """The test settings with a LINE channel pointed at the stand-in."""
    return settings.model_copy(
        update={
            "line_channel_secret": SecretStr(SECRET),
            "line_channel_token": SecretStr(TOKEN),
            "line_api_base": line_api.base,
        }
    )


@pytest.fixture
async def line_client(line_settings, engine) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app with LINE set up."""
    app = create_app(line_settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await app.state.message_sender.aclose()
        await app.state.throttle.aclose()
        await app.state.engine.dispose()


async def test_a_code_sent_to_the_official_account_links_line_and_confirms_there(
    line_client, session, engine, line_settings, line_api
):
    user, headers = await signed_in(session)
    asked = await line_client.post("/api/v1/me/notifications/line-code", headers=headers)
    assert asked.status_code == 200, asked.text
    code = asked.json()["code"]
    body = text_event(f" {code.lower()} ")
    answer = await line_client.post("/line/webhook", content=body, headers=signed(body))
    assert answer.status_code == 200 and answer.json() == {"handled": 1}
    preference = await session.get(Preference, user.id)
    assert preference.line_user_id == USER_ID and preference.channels[0] == "line"

    [confirmation] = await session.scalars(select(Notification))
    assert (await run_job(engine, line_settings)).error is None
    assert (await read(session, confirmation.id)).state == Delivery.SENT
    [push] = line_api.received
    assert push["body"]["to"] == USER_ID
    assert push["body"]["messages"][0]["text"].startswith("จิตอาสา: เชื่อมบัญชี LINE")

    again = await line_client.post("/line/webhook", content=body, headers=signed(body))
    assert again.json() == {"handled": 0}  # a code works once


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Line-Signature": "bm90IHRoZSBzaWduYXR1cmU="}, signed(b"another body")],
    ids=["missing", "garbage", "of another body"],
)
async def test_a_body_line_did_not_sign_is_401_and_links_nothing(line_client, session, headers):
    user, token = await signed_in(session)
    code = (await line_client.post("/api/v1/me/notifications/line-code", headers=token)).json()
    body = text_event(code["code"])
    answer = await line_client.post("/line/webhook", content=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json()["code"] == "line.bad_signature" and answer.json()["detail_th"]
    assert await session.get(Preference, user.id) is None


async def test_a_body_signed_with_another_secret_is_401(line_client):
    body = text_event("ABCDEFGH")
    answer = await line_client.post("/line/webhook", content=body, headers=signed(body, "other"))
    assert answer.status_code == 401


async def test_an_oversized_body_is_413_before_anything_is_read(line_client):
    body = b'{"events": [], "padding": "' + b"x" * MAX_BODY_BYTES + b'"}'
    answer = await line_client.post("/line/webhook", content=body, headers=signed(body))
    assert answer.status_code == 413 and answer.json()["code"] == "line.too_large"


async def test_without_a_channel_secret_the_webhook_is_not_there(client):
    body = text_event("ABCDEFGH")
    answer = await client.post("/line/webhook", content=body, headers=signed(body))
    assert answer.status_code == 404


async def test_the_notifications_page_gives_a_link_code_when_line_is_set_up(
    line_settings, engine, session
):
    app = create_app(line_settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await sign_in(client, session)
            token = await csrf(client)
            page = await client.post(
                "/account/notifications/line-code", data={"csrf_token": token}, headers=HTML
            )
    finally:
        await app.state.message_sender.aclose()
        await app.state.throttle.aclose()
        await app.state.engine.dispose()
    assert page.status_code == 200
    code = re.search(r'class="link-code"><strong>([A-Z0-9]{8})<', page.text).group(1)
    assert linking.looks_like_code(code)


def location_event(lat: float, lon: float, user_id: str = USER_ID) -> bytes:
    """Return a webhook body with one location message event, as LINE documents it."""
    body = json.loads(text_event("", user_id))
    body["events"][0]["webhookEventId"] = "01JD0000000000000000000001"
    body["events"][0]["message"] = {
        "id": "468789577898262531",
        "type": "location",
        "title": "my location",
        "address": "ถนนท่าแพ ตำบลช้างคลาน อำเภอเมืองเชียงใหม่",
        "latitude": lat,
        "longitude": lon,
    }
    return json.dumps(body).encode()


async def test_words_and_a_location_on_line_become_a_draft_confirmed_on_the_sos_form(
    line_client, session, engine, line_settings, line_api
):
    words = text_event("ยายป่วย ไข้สูง ต้องการยา")
    asked = await line_client.post("/line/webhook", content=words, headers=signed(words))
    assert asked.json() == {"handled": 1}
    place = location_event(18.7883, 98.9853)
    pinned = await line_client.post("/line/webhook", content=place, headers=signed(place))
    assert pinned.json() == {"handled": 1}
    [draft] = await session.scalars(select(LineDraft))
    assert (draft.lat, draft.lon, draft.text) == (18.7883, 98.9853, "ยายป่วย ไข้สูง ต้องการยา")

    while (outcome := await run_job(engine, line_settings)) is not None:
        assert outcome.error is None
    ask, link = (p["body"]["messages"][0]["text"] for p in line_api.received)
    assert ask.startswith("จิตอาสา: หากต้องการขอความช่วยเหลือ ส่งตำแหน่งของคุณ")
    url = re.search(r"http\S+", link).group()
    assert url == f"http://127.0.0.1:8000/sos?draft={draft.token}"

    await sign_in(line_client, session)
    form = await line_client.get(f"/sos?draft={draft.token}", headers=HTML)
    assert form.status_code == 200
    assert 'data-draft-lat="18.7883" data-draft-lon="98.9853"' in form.text
    assert ">ยายป่วย ไข้สูง ต้องการยา</textarea>" in form.text
    other = await line_client.get("/sos?draft=not-a-token", headers=HTML)
    assert "data-draft-lat" not in other.text


async def test_a_location_outside_thailand_makes_no_draft(line_client, session):
    place = location_event(35.68, 139.76)  # Tokyo
    answer = await line_client.post("/line/webhook", content=place, headers=signed(place))
    assert answer.json() == {"handled": 0}
    assert list(await session.scalars(select(LineDraft))) == []


async def test_a_signed_body_that_is_not_line_events_is_400(line_client):
    body = b'{"destination": "U0"}'
    answer = await line_client.post("/line/webhook", content=body, headers=signed(body))
    assert answer.status_code == 400 and answer.json()["code"] == "line.bad_body"


async def test_link_codes_are_throttled_per_person_with_retry_after(client, session, settings):
    _user, headers = await signed_in(session)
    for _ in range(settings.line_codes_per_hour):
        asked = await client.post("/api/v1/me/notifications/line-code", headers=headers)
        assert asked.status_code == 200
    refused = await client.post("/api/v1/me/notifications/line-code", headers=headers)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    problem = refused.json()
    assert problem["code"] == "line.too_many_codes" and "LINE" in problem["detail_th"]
    _other, other_headers = await signed_in(session)  # another person is not held back
    asked = await client.post("/api/v1/me/notifications/line-code", headers=other_headers)
    assert asked.status_code == 200


async def test_the_page_asking_for_link_codes_is_throttled_too(client, session, settings):
    await sign_in(client, session)
    token = await csrf(client)
    for _ in range(settings.line_codes_per_hour):
        page = await client.post(
            "/account/notifications/line-code", data={"csrf_token": token}, headers=HTML
        )
        assert page.status_code == 200
    refused = await client.post(
        "/account/notifications/line-code", data={"csrf_token": token}, headers=HTML
    )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "<html" in refused.text and "1669" in refused.text  # the friendly page
