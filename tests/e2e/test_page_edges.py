"""Edges a new user meets: a long pasted link on a phone, and switching language mid-form."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Page

from tests.e2e.test_sos_flow import goto, make_person, sign_in  # noqa: F401 (a fixture)
from tests.help_requests.helpers import make_request

pytestmark = pytest.mark.browser
LONG_LINK = "https://example.org/" + "a1b2c3d4e5" * 45  # 470 characters, no break


async def test_a_long_pasted_link_wraps_on_a_phone(page: Page, session, sign_in, viewport):  # noqa: F811
    requester = await make_person(session, name="ผู้ขอ")
    help_request = await make_request(session, requester=requester, description=LONG_LINK)
    await sign_in(requester)
    await goto(page, f"/requests/{help_request.id}")
    widths = await page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide in a {widths[1]} px window"


async def test_switching_language_keeps_the_next_page_and_what_was_typed(page: Page, viewport):
    await goto(page, "/signin?next=/sos")
    await page.fill("input[name=phone]", "081 234 5678")
    await page.click(".lang-switch")
    await page.wait_for_load_state("networkidle")
    assert "lang=en" in page.url and "next=%2Fsos" in page.url
    assert await page.input_value("input[name=phone]") == "081 234 5678"
    assert await page.input_value("input[name=next]") == "/sos"


async def test_the_map_never_asks_for_another_copy_of_the_world(page: Page, viewport):
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/map?" in r.url else None)
    await goto(page, "/")
    await page.wait_for_function("() => Boolean(window.jitasaMap && window.jitasaMap._loaded)")
    asked.clear()
    # One world width east of Thailand at zoom 4, as a drag would take it.
    await page.evaluate("() => window.jitasaMap.setView([15, 100 + 360], 4, {animate: false})")
    await page.wait_for_timeout(1500)
    centre = await page.evaluate("() => window.jitasaMap.getCenter().lng")
    assert 60 <= centre <= 150  # held in the region, not on a copy of the world
    assert asked, "the map asked for nothing"
    west, _south, east, _north = (
        float(v) for v in parse_qs(urlsplit(asked[-1]).query)["bbox"][0].split(",")
    )
    assert 59 <= west < east <= 151  # the region, give or take a bounds rounding
