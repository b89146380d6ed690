"""Words that keep people safe (issue 17): red sends to 1669, waiting says only what is true,
every end says what to do next, triage by signs a family can see, status never in triage colours.
"""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import update

from jitasa.help_requests.states import CloseReason, Status
from jitasa.incidents.models import Incident
from tests.factories import signed_in
from tests.help_requests.helpers import make_request, put_in_status
from tests.help_requests.job_helpers import reload

HTML = {"Accept": "text/html"}
CSS = Path(__file__).resolve().parents[2] / "jitasa" / "web" / "static" / "css"
TRIAGE_COLOURS = {"var(--red)", "var(--green)", "var(--amber)", "#c62828", "#2e7d32", "#f9a825"}


async def page(client, headers, path, lang="th") -> str:
    """Return a page's HTML in a language."""
    answer = await client.get(path, params={"lang": lang}, headers={**HTML, **headers})
    assert answer.status_code == 200, answer.text
    return answer.text


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("th", ["โทร 1669 ทันที", "ถ้าไม่แน่ใจ ให้เลือกสีที่อาการหนักกว่า", "ตั้งครรภ์"]),
        (
            "en",
            ["call 1669 now", "If you are not sure, choose the more severe colour.", "pregnant"],
        ),
    ],
)
async def test_red_tells_to_call_1669_first_and_yellow_names_pregnancy(
    client, session, lang, words
):
    _user, headers = await signed_in(session)
    html = await page(client, headers, "/sos", lang)
    for expected in words:
        assert expected in html, expected
    # The box that red opens: a tel: link to 1669 before the request can be sent.
    box = html.split('id="call-1669"')[1].split("</div>")[0]
    assert 'href="tel:1669"' in box and "hidden" in html.split('id="call-1669"')[1][:60]
    assert "pneumonia" not in html and "ปอดอักเสบ" not in html


@pytest.mark.parametrize(
    ("lang", "sent_red", "untrue"),
    [
        ("th", "หากยังไม่ได้โทร กรุณาโทร 1669 ทันที", "อาจมีอาสาสมัครกำลังไปช่วยอยู่แล้ว"),
        ("en", "call 1669 now if you have not", "may already be on the way"),
    ],
)
async def test_sending_red_and_the_duplicate_warning_promise_no_help_on_the_way(
    client, session, lang, sent_red, untrue
):
    """A red request sent is told to call 1669 now, not "if it gets worse"; a similar request
    nearby is no sign that anyone is coming (it may wait untaken)."""
    _user, headers = await signed_in(session)
    html = await page(client, headers, "/sos", lang)
    assert json.dumps(sent_red)[1:-1] in html  # in the script's words, JSON-escaped
    assert untrue not in html
    script = (CSS.parent / "js" / "sos.js").read_text(encoding="utf-8")
    assert 'urgency === "red" ? msg.sent_red : msg.sent' in script


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_a_waiting_request_promises_nothing_untrue_and_says_what_if_worse(
    client, session, lang
):
    user, headers = await signed_in(session)
    await make_request(session, requester=user, category="oxygen", urgency="red")
    html = await page(client, headers, "/requests/mine", lang)
    if lang == "th":
        assert "ยังไม่มีอาสาสมัครรับเรื่อง" in html and "โทร 1669 ทันที" in html
        assert "เห็นคำขอนี้แล้ว" not in html
    else:
        assert "no volunteer has taken it yet" in html and "call 1669 now" in html
        assert "can see this request" not in html


@pytest.mark.parametrize(
    ("status", "reason", "thai", "english"),
    [
        (Status.EXPIRED, None, "ส่งคำขอใหม่ได้", "If you still need help, ask again."),
        (Status.CLOSED, CloseReason.UNREACHABLE, "โทรหาคุณไม่ติด", "could not reach you"),
        (Status.CLOSED, CloseReason.OUT_OF_SCOPE, "โทรเบอร์ด้านบน", "numbers at the top"),
        (Status.CANCELLED, None, "ส่งคำขอใหม่ได้", "If you need help again, ask again."),
    ],
)
async def test_every_end_says_what_the_family_can_do_now(
    client, session, status, reason, thai, english
):
    user, headers = await signed_in(session)
    help_request = await make_request(session, requester=user)
    await put_in_status(session, help_request, status, claimed_by=None)
    help_request.close_reason = reason
    await session.commit()
    html = await page(client, headers, "/requests/mine", "th")
    assert thai in html and 'href="/sos"' in html
    assert "หมดอายุ" not in html
    assert english in await page(client, headers, "/requests/mine", "en")


async def test_no_open_incident_says_what_to_do_and_lists_the_hotlines(client, session):
    _user, headers = await signed_in(session)
    await session.execute(update(Incident).values(active=False))
    await session.commit()
    try:
        html = await page(client, headers, "/sos", "th")
        answer = await client.post("/api/v1/requests", json={}, headers=headers)
    finally:
        await session.execute(update(Incident).values(active=True))
        await session.commit()
    assert "โทร 1669 ทันที" in html and "ผู้ดูแล" not in html
    notice = html.split('class="notice"')[1]
    # No incident is active: the numbers that are always there.
    assert all(f'href="tel:{n}"' in notice for n in ("1669", "191", "199"))
    assert answer.status_code in (404, 422)


def css_rules(name: str) -> dict[str, str]:
    """Return a stylesheet's rules as selector → declarations."""
    text = re.sub(r"/\*.*?\*/", "", (CSS / name).read_text(), flags=re.S)
    return {sel.strip(): body for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", text)}


def test_status_is_never_shown_in_triage_colours():
    rules = {**css_rules("requests.css"), **css_rules("map.css")}
    status_rules = {s: b for s, b in rules.items() if re.search(r"\.(status|state)-", s)}
    assert len(status_rules) >= 6
    for selector, body in status_rules.items():
        assert not any(colour in body for colour in TRIAGE_COLOURS), selector
    for colour, selector in (("red", ".urgency-red"), ("green", ".urgency-green")):
        assert selector in " ".join(rules), colour  # triage keeps its colours


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_the_map_legend_keeps_colours_for_triage(client, lang):
    html = (await client.get("/", params={"lang": lang}, headers=HTML)).text
    legend = html.split('class="legend"')[1].split("</ul>")[0]
    if lang == "th":
        assert "สีแดง: รอ" not in legend and "สีเขียว: มีอาสา" not in legend
        assert "สีแดง สีเหลือง และสีเขียว บอกเฉพาะความรุนแรงของอาการ" in legend
    else:
        assert "Red: waiting" not in legend and "Green: a volunteer" not in legend
        assert "never the status" in legend


async def test_withdrawal_is_refused_to_anyone_but_the_requester(client, session):
    help_request = await make_request(session)
    _other, headers = await signed_in(session)
    answer = await client.post(f"/api/v1/requests/{help_request.id}/withdraw", headers=headers)
    assert answer.status_code == 403
    assert (await reload(session, help_request)).contact_phone
