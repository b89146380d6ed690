"""A driver takes a yellow patient to the nearest facility with a free yellow bed; the
requester's page follows each stage without a reload."""

import pytest
from playwright.async_api import expect

from jitasa.core.words import Role
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_live_map import make_person, sign_in
from tests.facilities.helpers import make_facility
from tests.factories import make_volunteer
from tests.help_requests.helpers import make_request

pytestmark = pytest.mark.browser
NEAR = {"lat": 18.79, "lon": 98.99}
FAR = {"lat": 18.84, "lon": 99.05}


async def test_a_driver_takes_a_yellow_patient_and_the_requester_follows_each_stage(
    page, other_page, live_server, session, problems, viewport
):
    await make_facility(session, name_en="Full Hospital", beds={"beds_yellow": (8, 0)}, **NEAR)
    nearest = await make_facility(
        session, name_en="Nakornping Hospital", beds={"beds_yellow": (10, 2)}, **NEAR
    )
    far = {"beds_yellow": (90, 40)}
    await make_facility(session, name_en="Far Field Hospital", beds=far, **FAR)
    requester = await make_person(session, name="ครอบครัวผู้ป่วย")
    patient = await make_request(
        session,
        requester=requester,
        category="patient_transport",
        urgency="yellow",
        mobility="wheelchair",
    )
    driver = await make_person(session, name="คนขับ", roles=[Role.VOLUNTEER])
    profile = await make_volunteer(session, user=driver, vehicle="pickup")
    profile.verified_at = profile.created_at
    await session.commit()

    await sign_in(other_page, live_server, requester, lang="en")
    await other_page.goto(f"/requests/{patient.id}", wait_until="networkidle")
    stage = other_page.locator(".transport .stage")
    await expect(stage).to_have_text("Waiting for a driver")

    await sign_in(page, live_server, driver, lang="en")
    await page.goto(f"/requests/{patient.id}")
    await page.locator("button.claim").click()
    await expect(other_page.locator(".transport .stage")).to_have_text("A driver is coming")

    await page.goto(f"/requests/{patient.id}")
    rows = page.locator(".destinations li")
    await expect(rows.first.locator(".name")).to_have_text("Nakornping Hospital")
    await expect(rows.first.locator(".free-beds")).to_have_text("2 of 10 beds free")
    await page.screenshot(
        path=str(ARTIFACTS / "e2e" / f"transport-driver-{viewport}.png"), full_page=True
    )
    await rows.first.locator("button.go").click()
    chosen = page.locator(".transport .destination .facility-name")
    await expect(chosen).to_have_text("Nakornping Hospital")
    await expect(other_page.locator(".transport .destination .facility-name")).to_have_text(
        "Nakornping Hospital"
    )

    await page.locator('button[value="in_progress"]').click()
    await expect(other_page.locator(".transport .stage")).to_have_text(
        "Picked up, on the way to the destination"
    )
    await page.locator('button[value="resolved"]').click()
    await expect(other_page.locator(".transport .stage")).to_have_text(
        "Delivered to the destination"
    )
    await expect(other_page.locator(".transport .bed")).to_have_text("· admitted")
    await other_page.screenshot(
        path=str(ARTIFACTS / "e2e" / f"transport-requester-{viewport}.png"), full_page=True
    )
    facility = (await page.request.get(f"/api/v1/facilities/{nearest.id}")).json
    assert (await facility())["free_beds"]["yellow"] == 1
    assert not problems, str(problems)
