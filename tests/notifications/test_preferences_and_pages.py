"""Preferences (API and page), templates that fit one SMS, and notifications on request pages."""

import re

import pytest

from jitasa import jobs
from jitasa.core.db import create_session_factory
from jitasa.core.i18n import _catalogue
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.notifications import templates
from jitasa.notifications.models import Delivery, Notification
from tests.factories import make_volunteer, signed_in
from tests.help_requests.helpers import make_request
from tests.help_requests.test_request_pages import HTML, csrf, sign_in

LONGEST = {
    "name": "ก" * 40,  # cut to 20
    "code": "JT-ABCDEF",
    "callback": "081-234-5678",
    "km": "49.9",
}


@pytest.mark.parametrize("kind", sorted(templates.TEMPLATES))
def test_every_template_has_thai_and_fits_one_sms_in_both_languages(kind):
    assert templates.TEMPLATES[kind] in _catalogue("th"), "add its Thai to locales/th.po"
    if kind in templates.LINE_ONLY:
        return  # never texted
    for language, limit in templates.SMS_CHARS.items():
        fields = dict(LONGEST)
        if "{urgency}" in templates.TEMPLATES[kind]:
            urgencies = ("Red", "Yellow", "Green", "Urgent", "Normal")
            words = [_catalogue("th").get(u, u) if language == "th" else u for u in urgencies]
            fields["urgency"] = max(words, key=len)
        text = templates.render(kind, language, **fields)
        assert len(text) <= limit, (language, text)
        if language == "en":  # plain GSM-7 letters, or the limit would be 70
            assert re.fullmatch(r"[A-Za-z0-9 .,:;!?()'\-ก]*", text), text


async def test_preferences_default_to_sms_and_are_saved_and_checked(client, session):
    _user, headers = await signed_in(session)
    mine = await client.get("/api/v1/me/notifications", headers=headers)
    assert mine.status_code == 200
    assert mine.json()["channels"] == ["sms"] and mine.json()["line_linked"] is False
    chosen = {
        "channels": ["email", "sms", "email"],
        "language": "en",
        "email": "somchai@example.test",
        "nearby_urgencies": ["red"],
        "radius_km": 5,
        "quiet_start": 22,
        "quiet_end": 6,
    }
    saved = await client.put("/api/v1/me/notifications", json=chosen, headers=headers)
    assert saved.status_code == 200
    assert saved.json()["channels"] == ["email", "sms"]  # each once, in order
    again = await client.get("/api/v1/me/notifications", headers=headers)
    assert again.json()["quiet_start"] == 22 and again.json()["nearby_urgencies"] == ["red"]

    wrong = await client.put(
        "/api/v1/me/notifications",
        json={"channels": ["pigeon"], "radius_km": 500, "quiet_end": 24},
        headers=headers,
    )
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} >= {"channels.0", "radius_km", "quiet_end"}
    assert all(e["message_th"] for e in wrong.json()["errors"])


async def test_the_preferences_page_saves_choices_and_names_a_wrong_field(client, session):
    await sign_in(client, session)
    page = await client.get("/account/notifications", headers=HTML)
    assert page.status_code == 200 and "การแจ้งเตือน" in page.text
    token = await csrf(client)
    form = {
        "csrf_token": token,
        "channel_sms": "1",
        "language": "th",
        "nearby_urgencies": ["red", "yellow"],
        "radius_km": "8",
        "quiet_start": "22",
        "quiet_end": "6",
    }
    saved = await client.post("/account/notifications", data=form, headers=HTML)
    assert saved.status_code == 200 and "บันทึกการตั้งค่าการแจ้งเตือนแล้ว" in saved.text
    assert 'value="red" checked' in saved.text and 'value="8.0"' in saved.text
    wrong = await client.post(
        "/account/notifications", data={**form, "email": "not an address"}, headers=HTML
    )
    assert wrong.status_code == 422 and 'id="email-error"' in wrong.text


async def test_the_requester_sees_who_is_coming_and_staff_see_each_delivery(
    client, session, settings, engine
):
    requester = await sign_in(client, session)
    help_request = await make_request(session, requester=requester)
    helper_user, _ = await signed_in(session, roles=[Role.VOLUNTEER], display_name="Somsak R.")
    await make_volunteer(session, user=helper_user)
    before = await client.get(f"/requests/{help_request.id}", headers=HTML)
    assert "ใครกำลังมาช่วย" not in before.text
    await lifecycle.claim(session, help_request=help_request, user=helper_user)
    await session.commit()

    page = await client.get(f"/requests/{help_request.id}", headers=HTML)
    assert "ใครกำลังมาช่วย" in page.text and "Somsak R." in page.text
    assert f'href="tel:{helper_user.phone}"' in page.text
    assert "การแจ้งเตือน" not in page.text  # deliveries are for staff

    await jobs.run_once(create_session_factory(engine), settings=settings)
    # One delivery fails, as a phone that cannot take texts would.
    failed = Notification(
        kind="request.resolved",
        channel="sms",
        address="+66800000001",
        request_id=help_request.id,
        text="x",
        state=Delivery.FAILED,
        attempts=1,
        last_error="SMS provider: HTTP 400 number cannot receive SMS",
        dedupe_key="test:failed",
    )
    session.add(failed)
    await session.commit()

    client.cookies.clear()
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    staff_page = await client.get(f"/requests/{help_request.id}", headers=HTML)
    assert "แจ้งผู้ขอว่าใครกำลังมาช่วย" in staff_page.text and "ส่งถึงแล้ว" in staff_page.text
    assert "SMS provider: HTTP 400 number cannot receive SMS" in staff_page.text

    listed = await client.get(f"/api/v1/requests/{help_request.id}/notifications")
    assert [(n["kind"], n["state"]) for n in listed.json()] == [
        ("request.claimed", "sent"),
        ("request.resolved", "failed"),
    ]
    assert listed.json()[1]["last_error"].endswith("number cannot receive SMS")
