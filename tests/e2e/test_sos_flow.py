"""An SOS from posting to resolution in Chromium: requester, volunteer "near me" and "my tasks"."""

import re

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, select

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.help_requests.models import HelpRequest
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_volunteer, next_phone
from tests.help_requests.helpers import make_request

pytestmark = pytest.mark.browser

PASSWORD = "browser test password"
# The requester's home in Mueang Chiang Mai (district 5001); the volunteer is 1 km away.
PIN = {"latitude": 18.7883, "longitude": 98.9853, "accuracy": 12}
VOLUNTEER_SPOT = {"latitude": 18.7960, "longitude": 98.9790, "accuracy": 20}
# In no loaded boundary: on a boat 500 m off Pattaya's beach, in Bang Lamung (2004).
OFF_THE_MAP = {"latitude": 12.93, "longitude": 100.86, "accuracy": 30}
MAP_READY = "() => Boolean(window.jitasaMap && window.jitasaMap._loaded)"
TEXT = {
    "th": {
        "sos": "ขอความช่วยเหลือ SOS",
        "district": "เมืองเชียงใหม่",
        "oxygen": "ออกซิเจน",
        "consent": "ความยินยอม",
        "open": "รอความช่วยเหลือ",
        "resolved": "ได้รับความช่วยเหลือแล้ว",
        "taken": "รับเรื่องนี้แล้ว",
        "no_tasks": "ยังไม่มีงาน",
        "year": str(utcnow().year + 543),
        "duplicate": "มีคำขอที่คล้ายกัน",
    },
    "en": {
        "sos": "Ask for help SOS",
        "district": "Mueang Chiang Mai",
        "oxygen": "Oxygen",
        "consent": "consent",
        "open": "Waiting for help",
        "resolved": "Resolved",
        "taken": "You took this request",
        "no_tasks": "You have no tasks now",
        "year": str(utcnow().year),
        "duplicate": "A similar request is already open",
    },
}
ADMIN_LANG = "th"
DOC_IMAGES = {"sos-form", "near-me", "my-tasks", "my-requests"}
screenshot_dir = ARTIFACTS / "e2e"


async def make_person(session, *, name: str, roles=(Role.REQUESTER,)) -> User:
    """Create a user who signs in with a password (the texted code needs a phone)."""
    user = await accounts_service.save_user(
        session, phone=next_phone(), roles=set(roles), display_name=name, password=PASSWORD
    )
    await session.commit()
    return user


@pytest.fixture
def sign_in(page: Page, live_server: str):
    """Sign the browser in as a user, in a fresh cookie session, reading a language."""
    return signer(page, live_server)


def signer(page: Page, live_server: str):
    """Return what signs the browser in as a user (the `sign_in` fixture's value)."""

    async def as_user(user: User, lang: str = "th") -> None:
        await page.context.clear_cookies()
        await page.context.add_cookies([{"name": "lang", "value": lang, "url": live_server}])
        response = await page.request.post(
            "/api/v1/auth/login", data={"username": user.phone, "password": PASSWORD}
        )
        assert response.ok, await response.text()

    return as_user


async def goto(page: Page, path: str) -> None:
    """Open a page and wait until the network is quiet."""
    await page.goto(path, wait_until="networkidle")


@pytest.fixture
async def people(session):
    """A requester, and a verified volunteer at home in Chiang Mai city."""
    requester = await make_person(session, name="สมศรี ใจดี")
    helper = await make_person(session, name="อาสา ชัยชนะ")
    profile = await make_volunteer(session, user=helper, kind="vhv", vehicle="motorcycle")
    profile.verified_at = utcnow()
    await session.commit()
    return requester, helper


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_an_sos_goes_from_the_form_to_resolved(
    page, problems, screenshot, viewport, session, people, sign_in, lang
):
    requester, helper = people
    text = TEXT[lang]

    async def shot(step: str) -> None:
        doc = f"{step}-th" if lang == "th" and viewport == "phone" and step in DOC_IMAGES else None
        await screenshot(f"{lang}-{step}", doc_image=doc)

    await page.context.grant_permissions(["geolocation"])
    await page.context.set_geolocation(PIN)
    await sign_in(requester, lang)
    await goto(page, "/")
    sos_button = page.locator("a.sos-button")
    await expect(sos_button).to_have_text(text["sos"])
    await shot("home")
    await page.locator(".site-menu summary").click()
    await expect(page.locator('.site-menu a[href="/requests/mine"]')).to_be_visible()
    await shot("menu")
    await page.locator(".site-menu summary").click()

    # The requester asks for oxygen; the pin comes from the phone's location.
    await sos_button.click()
    await page.wait_for_url("**/sos")
    await page.wait_for_function(MAP_READY)
    await expect(page.locator("#pin-area")).to_contain_text(text["district"])
    assert await page.input_value("#lat") == "18.788300"
    await page.locator("label.choice", has=page.locator('input[value="oxygen"]')).click()
    await expect(page.locator("#urgency-medical")).to_be_visible()
    await expect(page.locator("#urgency-other")).to_be_hidden()
    await page.locator("label.triage-yellow").click()
    await page.fill("#address_text", "12/3 ซอย 5 ถนนช้างคลาน ใกล้วัดชัยมงคล")
    await page.fill("#people_count", "2")
    await page.fill("#description", "คุณยาย 72 ปี เหนื่อยหอบ ออกซิเจนปลายนิ้ว 93%")
    await expect(page.locator("#contact_name")).to_have_value("สมศรี ใจดี")
    await page.evaluate("() => window.scrollTo(0, 0)")
    await shot("sos-form")
    await page.locator("#urgency-medical").scroll_into_view_if_needed()
    await shot("sos-triage")
    await page.screenshot(
        path=screenshot_dir / f"sos-form-{lang}-{viewport}-full.png", full_page=True
    )

    # Health data needs the separate consent box: sending without it says so by the box.
    await page.click("#sos-submit")
    await expect(page.locator("#error-consent")).to_contain_text(text["consent"])
    await shot("consent-needed")
    await page.locator("#consent").check()
    await page.locator("#sos-submit").dblclick()
    await page.wait_for_url(re.compile(r"/requests/\d+$"))
    await expect(page.locator(".chip.status-open")).to_have_text(text["open"])
    await expect(page.locator(".timeline-entry")).to_have_count(1)
    await expect(page.locator("#flash")).to_be_visible()
    await shot("sent")
    count = await session.scalar(select(func.count()).select_from(HelpRequest))
    assert count == 1, "a double tap created one request"

    # The volunteer, 1 km away, finds it near them and takes it.
    await page.context.set_geolocation(VOLUNTEER_SPOT)
    await sign_in(helper, lang)
    await goto(page, "/volunteer/nearby")
    card = page.locator(".nearby-card")
    await expect(card).to_have_count(1)
    await expect(card.locator(".category")).to_have_text(text["oxygen"])
    await expect(card.locator(".distance")).to_contain_text(re.compile(r"\d"))
    await expect(card.locator(".chip.urgency-yellow")).to_be_visible()
    await shot("near-me")
    await card.locator("button.claim").click()
    await expect(card.locator(".form-message")).to_contain_text(text["taken"])
    await card.locator(".card-actions a").click()

    # In "my tasks" the volunteer has the phone, address and description, and resolves it.
    await page.wait_for_url("**/volunteer/tasks")
    task = page.locator(".task-card")
    await expect(task.locator('a[href^="tel:+66"]')).to_be_visible()
    await expect(task).to_contain_text("ใกล้วัดชัยมงคล")
    await expect(task).to_contain_text("ออกซิเจนปลายนิ้ว 93%")
    await shot("my-tasks")
    await task.locator("textarea[name=note]").fill("ส่งถังออกซิเจนแล้ว")
    await task.locator('button[value="resolved"]').click()
    await expect(page.locator("#flash")).to_be_visible()
    await expect(page.locator(".task-card")).to_have_count(0)
    await expect(page.locator(".empty")).to_contain_text(text["no_tasks"])
    await shot("tasks-done")

    # The requester sees the whole story in "my requests", with Thai Buddhist Era dates.
    await sign_in(requester, lang)
    await goto(page, "/requests/mine")
    mine = page.locator(".request-card")
    await expect(mine).to_have_count(1)
    await expect(mine.locator(".chip.status-resolved")).to_have_text(text["resolved"])
    entries = mine.locator(".timeline-entry")
    kinds = [await e.get_attribute("data-kind") for e in await entries.all()]
    assert kinds == ["created", "claimed", "resolved"]
    await expect(entries.first.locator("time")).to_contain_text(text["year"])
    await expect(entries.last).to_contain_text("ส่งถังออกซิเจนแล้ว")
    await mine.locator(".timeline").scroll_into_view_if_needed()
    await shot("my-requests")
    assert not problems, str(problems)


async def test_sos_form_warns_of_a_similar_open_request_and_still_sends(
    page, problems, screenshot, session, people, sign_in
):
    requester, _helper = people
    earlier = await make_request(session, requester=requester, category="food_supplies")
    await page.context.grant_permissions(["geolocation"])
    await page.context.set_geolocation(PIN)
    await sign_in(requester)
    await goto(page, "/sos?lang=th")
    await expect(page.locator("#pin-area")).to_contain_text(TEXT["th"]["district"])
    await page.locator("label.choice", has=page.locator('input[value="food_supplies"]')).click()
    await page.click("#sos-submit")

    warning = page.locator("#duplicates")
    await expect(warning).to_be_visible()
    await expect(warning).to_contain_text(TEXT["th"]["duplicate"])
    await expect(warning.locator(f'a[href="/requests/{earlier.id}"]')).to_contain_text(earlier.code)
    await screenshot("warning")
    await page.click("#sos-submit")
    await page.wait_for_url(re.compile(r"/requests/\d+$"))
    count = await session.scalar(select(func.count()).select_from(HelpRequest))
    assert count == 2
    assert not problems, str(problems)


async def test_admin_adds_floods_then_closes_a_duplicate_request(
    page, problems, screenshot, session, sign_in
):
    admin = await make_person(session, name="ผู้ดูแลระบบ", roles=[Role.ADMIN])
    duplicate = await make_request(session)
    await sign_in(admin, ADMIN_LANG)
    await goto(page, "/admin/incidents")
    await page.fill("#code", "floods-2026-cm")
    await page.fill("#name_th", "น้ำท่วมเชียงใหม่ 2569")
    await page.fill("#name_en", "Chiang Mai floods 2026")
    await page.select_option("#kind", "flood")
    await page.fill(
        "#categories",
        "evacuation, อพยพ, Evacuation, no\n"
        "drinking_water, น้ำดื่ม, Drinking water, no\n"
        "medical_help, ต้องการความช่วยเหลือทางการแพทย์, Medical help, yes",
    )
    await screenshot("incident-form")
    await page.click(".incident-form button[type=submit]")
    await page.wait_for_url("**/admin/incidents?created=floods-2026-cm")
    await expect(page.locator(".incidents tbody tr").first).to_contain_text("floods-2026-cm")
    await screenshot("incident-added")

    # The SOS form now offers both incidents; the default (COVID-19) stays chosen until the
    # person picks another: a new incident never takes the default by itself.
    await goto(page, "/sos")
    await expect(page.locator("#incident")).to_have_value("covid-19")
    await page.select_option("#incident", "floods-2026-cm")
    await expect(page.locator('[data-incident="floods-2026-cm"] input')).to_have_count(3)
    await expect(page.locator('[data-incident="covid-19"]')).to_be_hidden()

    # The admin makes the floods the default: the form now starts with them.
    await goto(page, "/admin/incidents")
    row = page.locator(".incidents tbody tr", has_text="floods-2026-cm")
    await row.locator('button[value="default"]').click()
    await page.wait_for_url("**/admin/incidents?changed=floods-2026-cm")
    await screenshot("incident-default")
    await goto(page, "/sos")
    await expect(page.locator("#incident")).to_have_value("floods-2026-cm")
    await expect(page.locator('[data-incident="floods-2026-cm"] input')).to_have_count(3)

    # As staff of every area, the admin closes an open request as a duplicate.
    await goto(page, f"/requests/{duplicate.id}")
    close = page.locator('form[data-to="closed"]')
    await close.locator("select[name=reason]").select_option("duplicate")
    await close.locator("textarea[name=note]").fill("ซ้ำกับคำขอที่โทรเข้าสายด่วน")
    await close.locator("button").click()
    await expect(page.locator("#flash")).to_be_visible()
    await expect(page.locator(".chip.status-closed")).to_be_visible()
    await expect(page.locator(".timeline-entry").last).to_have_attribute("data-kind", "closed")
    await page.locator(".timeline").scroll_into_view_if_needed()
    await screenshot("closed")
    assert not problems, str(problems)


async def test_a_pin_no_boundary_holds_lets_the_requester_name_the_area(
    page, problems, screenshot, session, people, sign_in
):
    requester, _helper = people
    await page.context.grant_permissions(["geolocation"])
    await page.context.set_geolocation(OFF_THE_MAP)
    await sign_in(requester)
    await goto(page, "/sos")
    await expect(page.locator("#area-choice")).to_be_visible()
    await page.fill("#area-q", "บางละมุง")
    await page.get_by_role("button", name="บางละมุง อำเภอ/เขต 2004").click()
    await expect(page.locator("#pin-area")).to_have_text("บางละมุง")
    await page.locator("label.choice", has=page.locator('input[value="food_supplies"]')).click()
    await screenshot("area-chosen")
    await page.click("#sos-submit")
    await page.wait_for_url(re.compile(r"/requests/\d+$"))
    created = await session.scalar(select(HelpRequest))
    assert (created.district_code, created.area_code) == ("2004", "2004")
    assert not problems, str(problems)


async def test_a_volunteer_who_was_slower_is_told_someone_else_took_it(
    page, problems, screenshot, session, people, sign_in, live_server
):
    _requester, helper = people
    help_request = await make_request(session, category="food_supplies")
    faster = await make_person(session, name="อาสา ไวไว", roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=faster)  # at home near the request
    await page.context.grant_permissions(["geolocation"])
    await page.context.set_geolocation(VOLUNTEER_SPOT)
    await sign_in(helper)
    await goto(page, "/volunteer/nearby")
    card = page.locator(".nearby-card")
    await expect(card).to_have_count(1)

    await lifecycle.claim(session, help_request=help_request, user=faster)
    await session.commit()
    await card.locator("button.claim").click()
    await expect(card.locator(".form-message")).to_have_text("มีอาสาสมัครคนอื่นรับเรื่องนี้ไปก่อนแล้ว")
    await expect(card.locator("button.claim")).to_have_count(0)
    await screenshot("taken")
    # The expected 409, which Chromium also logs to the console, is the only problem.
    claim_url = f"{live_server}/api/v1/requests/{help_request.id}/claim"
    assert problems.failed_requests == [f"POST {claim_url}: HTTP 409"], str(problems)
    assert len(problems.console_errors) == 1 and "409" in problems.console_errors[0]
    assert claim_url in problems.console_errors[0], str(problems)
    problems.failed_requests.clear()
    problems.console_errors.clear()
    assert not problems, str(problems)


@pytest.mark.parametrize("viewport", ["phone"])
@pytest.mark.parametrize("lang", ["th", "en"])
async def test_a_patient_transport_asks_how_the_patient_moves_on_a_360_px_phone(
    page, problems, screenshot, session, people, sign_in, lang
):
    requester, _helper = people
    stretcher = {"th": "ต้องใช้เปลหาม", "en": "Stretcher"}[lang]
    await page.set_viewport_size({"width": 360, "height": 740})
    await page.context.grant_permissions(["geolocation"])
    await page.context.set_geolocation(PIN)
    await sign_in(requester, lang)
    mobility = page.locator("#mobility-box")

    # Chosen and then left for food: the form sends no mobility (the API would refuse it).
    await goto(page, "/sos")
    await expect(page.locator("#pin-area")).to_contain_text(TEXT[lang]["district"])
    await expect(mobility).to_be_hidden()
    await page.locator("label.choice", has=page.locator('input[value="patient_transport"]')).click()
    await expect(mobility).to_be_visible()
    await mobility.locator("label.choice", has_text=stretcher).click()
    await page.locator("label.choice", has=page.locator('input[value="food_supplies"]')).click()
    await expect(mobility).to_be_hidden()
    await page.click("#sos-submit")
    await page.wait_for_url(re.compile(r"/requests/\d+$"))
    food = await session.scalar(select(HelpRequest).order_by(HelpRequest.id.desc()))
    assert (food.category, food.mobility) == ("food_supplies", None)

    # A patient on a stretcher: asked, sent, stored and shown on the request's page.
    await goto(page, "/sos")
    await expect(page.locator("#pin-area")).to_contain_text(TEXT[lang]["district"])
    await page.locator("label.choice", has=page.locator('input[value="patient_transport"]')).click()
    await page.locator("label.triage-yellow").click()
    await expect(mobility.locator("label.choice")).to_have_count(3)
    await mobility.locator("label.choice", has_text=stretcher).click()
    await mobility.scroll_into_view_if_needed()
    await screenshot(f"{lang}-mobility")
    await page.locator("#consent").check()
    await page.click("#sos-submit")
    await expect(page.locator("#duplicates")).to_be_visible()  # the food request: same phone
    await page.click("#sos-submit")
    await page.wait_for_url(re.compile(r"/requests/\d+$"))
    await expect(page.locator(".transport .mobility")).to_have_text(stretcher)
    await screenshot(f"{lang}-request")
    session.expire_all()
    patient = await session.scalar(select(HelpRequest).order_by(HelpRequest.id.desc()))
    assert (patient.category, patient.mobility) == ("patient_transport", "stretcher")
    assert not problems, str(problems)
