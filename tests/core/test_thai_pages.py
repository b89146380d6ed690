"""Every page and every error page, rendered in Thai, reads as Thai (issue 17, item 7).

What a Thai reader sees (text, and the labels screen readers read: aria-label, title,
placeholder, alt) holds no English word and no code identifier (request_id, open, volunteer_id)
besides an allowed list of names and units; a request's code, read out on the phone, and what
an admin types (marked translate="no") are left out.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.help_requests import assigning, jobs, lifecycle
from jitasa.help_requests.states import CloseReason, Status
from jitasa.web.volunteer_pages import QUEUE
from tests.factories import make_volunteer, signed_in
from tests.help_requests.helpers import make_request
from tests.help_requests.job_helpers import age, run_job

HTML = {"Accept": "text/html"}
# Names and units a Thai page may show in Latin letters.
# Names Thai readers use as they are: products, units, and file formats (export links).
ALLOWED = {"English", "SOS", "SMS", "OpenStreetMap", "Leaflet", "PM2", "km", "m"}
ALLOWED |= {"CSV", "Excel", "GeoJSON", "HXL", "KML", "KMZ", "MB", "Google", "My", "Maps"}
SPOKEN = ("aria-label", "title", "placeholder", "alt")


class VisibleText(HTMLParser):
    """Collect what a reader sees or hears: text outside scripts and styles, and spoken labels."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.closing: list[str] = []

    def handle_starttag(self, tag, attrs):
        # What the admin types (codes, English names) is marked translate="no", as HTML says.
        untranslated = ("translate", "no") in attrs
        if tag in ("script", "style") or untranslated:
            self.hidden_depth += 1
            self.closing.append(tag)
        if not untranslated:
            self.parts += [value for name, value in attrs if name in SPOKEN and value]

    def handle_endtag(self, tag):
        if self.closing and self.closing[-1] == tag:
            self.closing.pop()
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def foreign_words(page: str, codes: set[str]) -> set[str]:
    """Return the Latin-letter words of a Thai page that are neither allowed nor shown codes."""
    parser = VisibleText()
    parser.feed(page)
    text = " ".join(parser.parts)
    for code in codes:  # a request's code is read out on the phone on purpose
        text = text.replace(code, " ")
    return {w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text) if w not in ALLOWED}


@pytest.fixture
async def world(session, engine):
    """A requester's requests in every state a family meets, a volunteer, an official, an admin."""
    requester, requester_headers = await signed_in(session, display_name="มาลี ใจดี")
    helper, helper_headers = await signed_in(
        session, roles=(Role.REQUESTER, Role.VOLUNTEER), display_name="สมชาย อาสา"
    )
    volunteer = await make_volunteer(session, user=helper, kind="vhv")
    volunteer.verified_at = utcnow()
    staff, staff_headers = await signed_in(
        session, roles=(Role.COORDINATOR,), area_code="50", display_name="สมศรี เจ้าหน้าที่"
    )
    _admin, admin_headers = await signed_in(session, roles=(Role.ADMIN,), display_name="ผู้ดูแล")
    made = {}
    for name in ("open", "claimed", "expired", "closed", "escalated", "duplicate"):
        made[name] = await make_request(
            session,
            requester=requester,
            category="oxygen",
            urgency="red",
            description="ออกซิเจน 90%",
            address_text="บ้านเลขที่ 5 หมู่ 8",
        )
    await assigning.assign(
        session, help_request=made["claimed"], staff=staff, volunteer_id=volunteer.id
    )
    await lifecycle.transition(
        session,
        help_request=made["closed"],
        user=staff,
        to=Status.CLOSED,
        reason=CloseReason.UNREACHABLE,
    )
    await lifecycle.merge(session, duplicate=made["duplicate"], keep=made["escalated"], staff=staff)
    await session.commit()
    await age(session, made["escalated"], created_at=timedelta(minutes=20))
    await age(session, made["expired"], updated_at=timedelta(hours=100))
    assert await run_job(engine, jobs.flag_past_sla) == 1
    assert await run_job(engine, jobs.expire) == 1
    return {
        "requests": made,
        "codes": {r.code for r in made.values()},
        "requester": requester_headers,
        "helper": helper_headers,
        "staff": staff_headers,
        "admin": admin_headers,
    }


def pages_of(world) -> list[tuple[str, str]]:
    """Return (who, path) for every page, signed in as each kind of person who reaches it."""
    ids = {name: r.id for name, r in world["requests"].items()}
    anonymous = ["/", "/signin", "/staff/signin", "/privacy", f"/requests/{ids['open']}"]
    errors = ["/nowhere", "/requests/abc", "/requests/99999999", "/account"]
    requester = ["/sos", "/requests/mine", "/volunteer", "/account", "/volunteer/nearby"]
    requester += [f"/requests/{ids[name]}" for name in ("closed", "escalated", "expired")]
    helper = ["/volunteer/nearby", "/volunteer/tasks", "/volunteer", f"/requests/{ids['claimed']}"]
    staff = ["/account", QUEUE, f"/requests/{ids['open']}", f"/requests/{ids['duplicate']}"]
    staff += ["/imports"]
    return (
        [("anonymous", path) for path in anonymous + errors]
        + [("requester", path) for path in requester]
        + [("helper", path) for path in helper]
        + [("staff", path) for path in staff]
        + [("admin", "/admin/incidents"), ("admin", "/requests/mine")]
    )


async def test_every_page_in_thai_has_no_english_words_or_code_names(client, world):
    found = {}
    for who, path in pages_of(world):
        headers = {**HTML, **world.get(who, {})}
        page = await client.get(path, params={"lang": "th"}, headers=headers)
        assert page.status_code < 500, (who, path)
        words = foreign_words(page.text, world["codes"])
        if words:
            found[f"{who} {path} ({page.status_code})"] = sorted(words)
    assert found == {}, repr(found)


async def test_a_throttled_sign_in_and_a_bad_form_read_as_thai(client, world):
    form = {"phone": "0812345698", "next": "/"}
    answers = [await client.post("/signin", data=form, headers=HTML) for _ in range(4)]
    assert {a.status_code for a in answers} == {403}  # no CSRF token: refused, in Thai
    assert foreign_words(answers[-1].text, set()) == set()
    token = (await client.get("/signin", headers=HTML)).text.split('name="csrf_token" value="')[1]
    form["csrf_token"] = token.split('"')[0]
    answers = [await client.post("/signin", data=form, headers=HTML) for _ in range(4)]
    assert answers[-1].status_code == 429
    assert foreign_words(answers[-1].text, set()) == set()


async def test_field_errors_on_pages_name_the_field_by_its_label(client):
    page = await client.get("/requests/abc", params={"lang": "th"}, headers=HTML)
    assert page.status_code == 422
    assert "เลขที่คำขอ" in page.text and "request_id" not in page.text
    english = await client.get("/requests/abc", params={"lang": "en"}, headers=HTML)
    assert "Request number" in english.text and "request_id" not in english.text


async def test_system_entries_of_the_timeline_are_worded_in_the_readers_language(client, world):
    escalated = world["requests"]["escalated"]
    headers = {**HTML, **world["requester"]}
    thai = (await client.get(f"/requests/{escalated.id}?lang=th", headers=headers)).text
    assert "ยังไม่มีผู้รับเรื่องเกินเวลา 15 นาทีที่กำหนดสำหรับคำขอสีแดง อาการหนัก" in thai
    assert f"รวมคำขอ {world['requests']['duplicate'].code} เข้ากับคำขอนี้แล้ว" in thai
    english = (await client.get(f"/requests/{escalated.id}?lang=en", headers=headers)).text
    assert "Still open after the 15-minute limit for Red: severe requests." in english
