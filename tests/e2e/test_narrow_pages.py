"""At 360 px (the smallest phone in common use) no page is wider than the screen, nothing is cut
at its right edge but inside a box that scrolls sideways, the first emergency number (1669)
shows whole, and no number in a table or a phone number breaks over two lines.

It used to: the coverage table on /vaccination squeezed 3,202,707 onto four lines, and the
numbers of the emergency bar ran off the right edge. Each page is measured in Thai and English,
signed in as a provincial coordinator, with coverage figures, hospitals, volunteers and a
request to show.
"""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page
from sqlalchemy import select

from jitasa.core.db import create_session_factory
from jitasa.core.words import Role
from jitasa.facilities.models import Facility
from jitasa.imports.service import Options, run_import
from tests.e2e.conftest import ARTIFACTS, Problems, open_page
from tests.e2e.test_live_map import make_person
from tests.e2e.test_sos_flow import PASSWORD
from tests.factories import make_user, make_volunteer
from tests.help_requests.helpers import make_request
from tests.imports.conftest import sample

pytestmark = pytest.mark.browser
SMALL_PHONE = {"width": 360, "height": 740}
PAGES = (
    "/",
    "/sos",
    "/facilities",
    "/vaccination?area=50",
    "/privacy",
    "/desk",
    "/dashboard",
    "/dashboard/report",
    "/roster",
    "/imports",
    "/requests/mine",
    "/account",
    "/no-such-page",
)
# Elements past the viewport's edges that no sideways-scrolling (or clipping) box holds.
CUT = """() => {
  const width = document.documentElement.clientWidth;
  const held = (e) => {
    for (let p = e.parentElement; p; p = p.parentElement) {
      const box = p.getBoundingClientRect();
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)
          && box.left >= -1 && box.right <= width + 1) return true;
    }
    return false;
  };
  return [...document.querySelectorAll("body *")]
    .filter((e) => e.getClientRects().length > 0)
    .filter((e) => { const r = e.getBoundingClientRect();
                     return r.width > 0 && (r.right > width + 1 || r.left < -1); })
    .filter((e) => !held(e))
    .map((e) => `${e.tagName}.${e.className} ${(e.textContent || "").trim().slice(0, 40)}`);
}"""
# Numbers in tables (and phone numbers anywhere) that take more than one line: a line starts
# where a text box begins left of the one before it (a smaller "(12)" sits lower on one line).
WRAPPED = """() => [...document.querySelectorAll("main td, main th, a[href^='tel:']")]
  .filter((e) => /\\d/.test(e.textContent) && /^[\\d\\s,.%()+\\-–:/]+$/.test(e.textContent.trim()))
  .map((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const boxes = [...range.getClientRects()].filter((r) => r.width > 0);
    const lines = 1 + boxes.filter((r, i) => i > 0 && r.left < boxes[i - 1].left - 1).length;
    return [e.textContent.trim(), lines];
  })
  .filter(([, lines]) => lines > 1)"""
FIRST_HOTLINE = """() => {
  const r = document.querySelector(".hotline-bar .hotline-link").getBoundingClientRect();
  return [r.left, r.right, document.documentElement.clientWidth];
}"""


@pytest.fixture
async def small_phone(browser, live_server, problems: Problems) -> AsyncIterator[Page]:
    """A page on a 360 × 740 touch phone."""
    page = await open_page(browser, live_server, "phone", problems)
    await page.set_viewport_size(SMALL_PHONE)
    yield page
    await page.context.close()


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_at_360_px_no_page_is_cut_and_no_number_wraps(
    small_phone: Page, engine, session, live_server, lang, problems
):
    factory = create_session_factory(engine)
    for name, kind in (
        ("vaccine_coverage_chiangmai.xlsx", "vaccination_coverage"),
        ("facilities_chiangmai.csv", "facilities"),
    ):
        await run_import(factory, sample(name), options=Options(kind))
    hospital = await session.scalar(select(Facility.id).where(Facility.external_id == "10713"))
    coordinator = await make_person(
        session, name="สสจ.เชียงใหม่", roles=[Role.COORDINATOR], area_code="50"
    )
    for number in range(3):
        person = await make_user(session, roles=[Role.VOLUNTEER], display_name=f"อาสา {number}")
        await make_volunteer(session, user=person)
    help_request = await make_request(session, urgency="urgent")
    await session.commit()
    page = small_phone
    await page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
    answer = await page.request.post(
        "/api/v1/auth/login", data={"username": coordinator.phone, "password": PASSWORD}
    )
    assert answer.ok
    found = {}
    shown = (f"/requests/{help_request.id}", f"/facilities/{hospital}")
    for path in (*PAGES, *shown, f"/facilities/{hospital}/capacity"):
        await page.goto(path, wait_until="networkidle")
        name = path.strip("/").split("?")[0].replace("/", "-").rstrip("0123456789-") or "home"
        shot = ARTIFACTS / "e2e" / f"narrow-{name}-{lang}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=shot, full_page=True, animations="disabled", caret="hide")
        width = await page.evaluate("() => document.documentElement.scrollWidth")
        left, right, viewport = await page.evaluate(FIRST_HOTLINE)
        cut, wrapped = await page.evaluate(CUT), await page.evaluate(WRAPPED)
        if width > SMALL_PHONE["width"] or cut or wrapped or left < 0 or right > viewport:
            found[path] = {"width": width, "hotline": (left, right), "cut": cut, "wrapped": wrapped}
    assert found == {}
    coverage = await page.goto("/vaccination?area=50", wait_until="networkidle")
    assert coverage.ok  # the table measured above holds the 25 districts' figures
    assert await page.locator(".coverage-table td.n").count() >= 25 * 5
    # The one answer expected to fail: the missing page's 404.
    problems.console_errors = [e for e in problems.console_errors if "no-such-page" not in e]
    problems.failed_requests = [r for r in problems.failed_requests if "no-such-page" not in r]
    assert not problems, str(problems)
