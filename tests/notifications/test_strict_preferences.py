"""Preferences are read as sent: strict types, no unknown fields, e-mail needs an address; the
web form names each wrong field beside it, in the page's language."""

import re

import pytest

from jitasa.core.field_names import FIELD_NAMES
from jitasa.web.notification_pages import FIELD_LABELS
from tests.factories import signed_in
from tests.help_requests.test_request_pages import HTML, csrf, sign_in

PUT = "/api/v1/me/notifications"


@pytest.mark.parametrize(
    ("body", "field", "thai_words"),
    [
        ({"quiet_start": "22"}, "quiet_start", "ต้องเป็นจำนวนเต็ม"),
        ({"quiet_start": 22.0}, "quiet_start", "ต้องเป็นจำนวนเต็ม"),
        ({"radius_km": "5"}, "radius_km", "ต้องเป็นตัวเลข"),
        ({"channels": "sms"}, "channels", "ต้องเป็นรายการ"),
        ({"language": 1}, "language", "หรือ"),
        ({"quiet_strat": 22}, "quiet_strat", "ไม่รู้จักช่อง"),
        ({"channels": ["email"]}, "email", "ต้องระบุอีเมล"),
        ({"channels": ["email", "sms"], "email": ""}, "email", "ต้องระบุอีเมล"),
    ],
)
async def test_a_wrong_type_an_unknown_field_or_email_without_address_is_a_422(
    client, session, body, field, thai_words
):
    _user, headers = await signed_in(session)
    answer = await client.put(PUT, json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    [error] = problem["errors"]
    assert thai_words in error["message_th"]
    if field in FIELD_NAMES:  # a known field is named in Thai words, not by its key
        assert field not in error["message_th"]
    else:  # an unknown one can only be quoted
        assert field in error["message_th"]
    assert not re.search(r"\bor\b", error["message_th"])  # nor joined with the English "or"
    assert error["message"].startswith(field)
    mine = await client.get(PUT, headers=headers)
    assert mine.json()["channels"] == ["sms"]  # nothing was saved


async def test_a_well_typed_body_is_saved(client, session):
    _user, headers = await signed_in(session)
    body = {"channels": ["email"], "email": "a@example.test", "quiet_start": 22, "radius_km": 5}
    answer = await client.put(PUT, json=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["radius_km"] == 5.0


def _form(token: str, **changes: object) -> dict:
    """Return a valid preferences form, with some fields changed."""
    form = {
        "csrf_token": token,
        "channel_sms": "1",
        "language": "th",
        "nearby_urgencies": ["red"],
        "radius_km": "8",
        "quiet_start": "22",
        "quiet_end": "6",
    }
    return {**form, **changes}


WRONG_FORM_VALUES = {
    "channels": {"channel_email": "1"},  # shown beside e-mail: it needs the address
    "language": {"language": "fr"},
    "email": {"email": "not an address"},
    "nearby_urgencies": {"nearby_urgencies": ["red", "purple"]},
    "radius_km": {"radius_km": "500"},
    "quiet_start": {"quiet_start": "25"},
    "quiet_end": {"quiet_end": "soon"},
}


def test_every_field_of_the_form_has_a_wrong_value_tried():
    assert set(WRONG_FORM_VALUES) == set(FIELD_LABELS)


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("name", sorted(WRONG_FORM_VALUES))
async def test_the_form_names_each_wrong_field_beside_it_in_the_page_language(
    client, session, name, language
):
    await sign_in(client, session)
    client.cookies.set("lang", language)
    token = await csrf(client)
    sent = _form(token, **WRONG_FORM_VALUES[name])
    page = await client.post("/account/notifications", data=sent, headers=HTML)
    assert page.status_code == 422
    shown = "email" if name == "channels" else name
    match = re.search(rf'<p class="field-error" id="{shown}-error">([^<]+)</p>', page.text)
    assert match, f"no error beside {shown}"
    message = match.group(1)
    if language == "th":
        assert re.search(r"[\u0e00-\u0e7f]", message) and not re.search(r"\bor\b", message)
    else:
        assert not re.search(r"[\u0e00-\u0e7f]", message)
    assert shown not in message  # by its label, not its key
    kept = 'value="22" selected' if name != "quiet_start" else 'value="6" selected'
    assert kept in page.text  # the form comes back as it was sent
