"""A 360 px phone (the smallest in common use) and a map whose tile server cannot be reached.

On a 360 px phone the SOS categories wrapped to 3–5 lines and the English header to two; with
the tile server unreachable the map was a blank grey square. The lines are counted from each
element's height and line height, so a regression shows as a number.
"""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import ARTIFACTS, Problems, open_page
from tests.e2e.test_sos_flow import PASSWORD, make_person

pytestmark = pytest.mark.browser
SMALL_PHONE = {"width": 360, "height": 740}
MAP_READY = "() => Boolean(window.jitasaMap && window.jitasaMap._loaded)"
# How many lines each element's text takes: the distinct tops of its text's line boxes.
LINES = """(selector) => [...document.querySelectorAll(selector)]
  .filter((e) => e.offsetParent !== null)
  .map((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const tops = new Set([...range.getClientRects()]
      .filter((r) => r.width > 0)
      .map((r) => Math.round(r.top / 4)));
    return [e.textContent.trim().replace(/\\s+/g, " "), tops.size];
  })"""


@pytest.fixture
async def small_phone(browser, live_server, problems: Problems) -> AsyncIterator[Page]:
    """A page on a 360 × 740 touch phone."""
    page = await open_page(browser, live_server, "phone", problems)
    await page.set_viewport_size(SMALL_PHONE)
    yield page
    await page.context.close()


async def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Save a screenshot under test-artifacts/e2e/ to be looked at."""
    path = ARTIFACTS / "e2e" / f"small_phone-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path, animations="disabled", caret="hide", full_page=full_page)


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_on_a_360_px_phone_categories_and_header_keep_short(
    small_phone: Page, session, live_server, lang, problems
):
    page = small_phone
    person = await make_person(session, name="ผู้ขอ")
    await page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    answer = await page.request.post(
        "/api/v1/auth/login", data={"username": person.phone, "password": PASSWORD}
    )
    assert answer.ok
    await page.goto("/sos", wait_until="networkidle")
    await shot(page, f"sos-{lang}", full_page=True)
    await shot(page, f"sos-{lang}-top")
    await page.locator(".choices:not([hidden])").first.scroll_into_view_if_needed()
    await shot(page, f"sos-{lang}-categories")
    categories = await page.evaluate(LINES, ".choices:not([hidden]) .choice span")
    assert len(categories) >= 8
    too_long = [(name, lines) for name, lines in categories if lines > 2]
    assert too_long == [], too_long
    header = await page.evaluate(LINES, ".topbar .brand span, .topbar .today, .topbar .lang-switch")
    assert [lines for _name, lines in header] == [1] * len(header), header
    bar = await page.evaluate("() => document.querySelector('.topbar').getBoundingClientRect()")
    assert bar["height"] <= 56 and bar["width"] <= SMALL_PHONE["width"]
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"]
    assert not problems, str(problems)


async def test_without_the_tile_server_the_map_says_so_and_draws_outlines(
    small_phone: Page, live_server, problems
):
    page = small_phone
    blocked: list[str] = []

    async def no_tiles(route) -> None:
        blocked.append(route.request.url)
        await route.abort("internetdisconnected")

    # The tile server is unreachable: every tile request fails as it would offline.
    await page.route("**/blank-tile.png*", no_tiles)
    await page.goto("/?lang=en", wait_until="networkidle")
    await page.wait_for_function(MAP_READY)
    note = page.locator("#area-search .map-offline-note")  # in the search's column
    await expect(note).to_be_visible()
    assert "cannot be reached" in await note.text_content()
    await expect(page.locator("#map")).to_have_attribute("data-outlines", "provinces")
    paths = await page.locator("#map path.leaflet-interactive, #map svg path").count()
    assert paths >= 77  # one outline per province at least
    await shot(page, "map-without-tiles-country")
    await page.evaluate("() => window.jitasaMap.setView([18.79, 98.98], 9, {animate: false})")
    await expect(page.locator("#map")).to_have_attribute("data-outlines", "provinces districts")
    await page.wait_for_load_state("networkidle")
    await shot(page, "map-without-tiles-chiang-mai")
    assert blocked, "no tile was asked for"
    # The tiles that failed are this test's doing; nothing else may fail.
    problems.failed_requests = [r for r in problems.failed_requests if "blank-tile" not in r]
    problems.console_errors = [e for e in problems.console_errors if "blank-tile" not in e]
    assert not problems, str(problems)


async def test_with_the_tile_server_the_map_shows_no_outlines(page: Page, viewport, problems):
    await page.goto("/", wait_until="networkidle")
    await page.wait_for_function(MAP_READY)
    await expect(page.locator("#map .leaflet-tile-loaded").first).to_be_attached()
    assert await page.locator(".map-offline-note").count() == 0
    assert await page.locator("#map").get_attribute("data-outlines") is None
    assert not problems, str(problems)


# Each element's box, and whether what the eye sees at its centre is the element itself.
BOXES = """(selector) => [...document.querySelectorAll(selector)].map((e) => {
  const r = e.getBoundingClientRect();
  const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return { text: e.textContent.trim(), top: r.top, bottom: r.bottom, seen: e.contains(top) };
})"""


def apart(upper: dict, lower: dict) -> bool:
    """Tell whether one box ends above where the other begins."""
    return upper["bottom"] <= lower["top"]


def within(box: dict, outer: dict) -> bool:
    """Tell whether a box lies within another from top to bottom."""
    return outer["top"] <= box["top"] and box["bottom"] <= outer["bottom"]


async def test_the_offline_note_never_covers_the_area_search(small_phone: Page, problems):
    page = small_phone
    await page.route("**/blank-tile.png*", lambda route: route.abort("internetdisconnected"))
    await page.goto("/?lang=th", wait_until="networkidle")
    await page.wait_for_function(MAP_READY)
    await expect(page.locator(".map-offline-note")).to_be_visible()

    await page.fill("#area-q", "เชียง")
    await expect(page.locator("#area-results button").nth(3)).to_be_visible()
    await shot(page, "area-search-offline")
    (shown,) = await page.evaluate(BOXES, "#area-results")  # it scrolls past its height
    results = [r for r in await page.evaluate(BOXES, "#area-results button") if within(r, shown)]
    (note,) = await page.evaluate(BOXES, ".map-offline-note")
    # Every suggestion in sight is seen: not under the note, a zoom button or "near me".
    assert len(results) >= 4 and [r["text"] for r in results if not r["seen"]] == [], results
    assert apart(shown, note) and note["seen"], (shown, note)

    await page.locator("#area-results button", has_text="เชียงใหม่").first.click()
    await expect(page.locator("#area-filter")).to_be_visible()
    await shot(page, "area-chosen-offline")
    (chosen,) = await page.evaluate(BOXES, "#area-filter")
    (note,) = await page.evaluate(BOXES, ".map-offline-note")
    assert chosen["seen"] and note["seen"] and apart(chosen, note), (chosen, note)
    problems.failed_requests = [r for r in problems.failed_requests if "blank-tile" not in r]
    problems.console_errors = [e for e in problems.console_errors if "blank-tile" not in e]
    assert not problems, str(problems)
