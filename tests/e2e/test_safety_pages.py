"""Issue 17 in Chromium: hotlines, red → 1669, next steps and error pages, in Thai and English.

The screenshots (test-artifacts/e2e/safety_pages_in_both_languages-*.png; with
JITASA_DOC_IMAGES=1 also docs/img/safety-*.png) are looked at by a person, not compared.
"""

import pytest
from playwright.async_api import Page, expect

from jitasa.core.db import utcnow
from jitasa.help_requests import lifecycle
from tests.e2e.test_sos_flow import MAP_READY, PIN, goto, make_person
from tests.factories import make_volunteer
from tests.help_requests.helpers import make_request

pytestmark = pytest.mark.browser

PASSWORD = "browser test password"
TEXT = {
    "th": {
        "bar": "ฉุกเฉิน โทรฟรี:",
        "zoom_in": "ซูมเข้า",
        "call_first": "โทร 1669 ทันที ก่อนทำอย่างอื่น",
        "waiting": "ยังไม่มีอาสาสมัครรับเรื่อง",
        "field": "เลขที่คำขอ",
    },
    "en": {
        "bar": "Emergency? Call free:",
        "zoom_in": "Zoom in",
        "call_first": "Call 1669 now, before anything else.",
        "waiting": "no volunteer has taken it yet",
        "field": "Request number",
    },
}


async def sign_in(page: Page, live_server: str, user, lang: str) -> None:
    """Sign the browser in with a password, in a fresh cookie session, reading a language."""
    await page.context.clear_cookies()
    await page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    response = await page.request.post(
        "/api/v1/auth/login", data={"username": user.phone, "password": PASSWORD}
    )
    assert response.ok, await response.text()


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_safety_pages_in_both_languages(
    page, problems, screenshot, viewport, live_server, session, lang
):
    text = TEXT[lang]

    async def shot(step: str) -> None:
        doc = f"safety-{step}-{lang}" if viewport == "phone" else None
        await screenshot(f"{lang}-{step}", doc_image=doc)

    # A red request still waiting and a green one a volunteer has: status by sign, not colour.
    requester = await make_person(session, name="มาลี ใจดี")
    helper = await make_person(session, name="สมชาย อาสา")
    await make_request(session, requester=requester, category="oxygen", urgency="red")
    helped = await make_request(session, category="oxygen", urgency="green", lat=18.80)
    volunteer = await make_volunteer(session, user=helper, kind="vhv")
    volunteer.verified_at = utcnow()
    await lifecycle.claim(session, help_request=helped, user=helper)
    await session.commit()

    # The map, before any sign-in: the hotlines as tel: links, Leaflet's buttons in the language.
    await page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    await goto(page, "/")
    await page.wait_for_function(MAP_READY)
    bar = page.locator(".hotline-bar")
    await expect(bar).to_contain_text(text["bar"])
    await expect(bar.locator('a[href="tel:1669"]')).to_be_visible()
    await expect(bar.locator('a[href="tel:1330"]')).to_have_count(1)
    await expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute(
        "title", text["zoom_in"]
    )
    await page.evaluate("() => window.jitasaMap.setView([18.79, 98.98], 13)")
    await expect(page.locator(".request-marker.state-open")).to_have_count(1)
    await expect(page.locator(".request-marker.state-helped")).to_have_count(1)
    await shot("map")

    # The SOS form: red opens "call 1669 first" with a call button, before the request is sent.
    await page.context.grant_permissions(["geolocation"])
    await page.context.set_geolocation(PIN)
    await sign_in(page, live_server, requester, lang)
    await goto(page, "/sos")
    await page.wait_for_function(MAP_READY)
    await page.locator("label.choice", has=page.locator('input[value="oxygen"]')).click()
    await expect(page.locator("#call-1669")).to_be_hidden()
    await page.locator("label.triage-red").click()
    call_first = page.locator("#call-1669")
    await expect(call_first).to_be_visible()
    await expect(call_first).to_contain_text(text["call_first"])
    await expect(call_first.locator('a[href="tel:1669"]')).to_be_visible()
    await page.locator("#urgency-medical").scroll_into_view_if_needed()
    await shot("sos-red")
    await page.locator("#consent-box").scroll_into_view_if_needed()
    await shot("sos-consent")

    # My requests: the waiting request says only what is true, and what to do if it gets worse.
    await goto(page, "/requests/mine")
    await expect(page.locator(".next-step")).to_contain_text(text["waiting"])
    await shot("my-requests")

    # An error page names the field by its label and keeps the hotlines.
    await goto(page, "/requests/abc")
    await expect(page.locator(".error-page")).to_contain_text(text["field"])
    await expect(page.locator('.hotline-bar a[href="tel:1669"]')).to_be_visible()
    await shot("error")
    # The 422 of the page above is the point of the step, not a problem.
    for found in (problems.failed_requests, problems.console_errors):
        found[:] = [item for item in found if "/requests/abc" not in item]
    assert not problems, str(problems)
