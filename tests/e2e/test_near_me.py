"""A volunteer's "near me" list in Chromium: what lies beyond their service radius."""

import pytest
from playwright.async_api import expect

from jitasa.core.db import utcnow
from tests.e2e.test_sos_flow import VOLUNTEER_SPOT, goto, make_person, signer
from tests.factories import make_volunteer
from tests.help_requests.helpers import make_request

pytestmark = pytest.mark.browser


@pytest.fixture
def sign_in(page, live_server: str):
    """Sign the browser in as a user, as the SOS flow's tests do."""
    return signer(page, live_server)


async def test_nearby_offers_no_claim_beyond_the_volunteers_service_radius(
    page, problems, screenshot, session, sign_in
):
    await make_request(session, category="food_supplies")
    helper = await make_person(session, name="อาสา ชัยชนะ")
    profile = await make_volunteer(session, user=helper)
    profile.verified_at = utcnow()
    profile.service_radius_km = 1.0  # the request's public pin lies 1.4 km from home
    await session.commit()
    await page.context.grant_permissions(["geolocation"])
    await page.context.set_geolocation(VOLUNTEER_SPOT)
    await sign_in(helper)
    await goto(page, "/volunteer/nearby")

    card = page.locator(".nearby-card")
    await expect(card).to_have_count(1)
    await expect(card.locator("button.claim")).to_have_count(0)
    await expect(card.locator(".card-actions .hint")).to_contain_text("อยู่นอกรัศมีบริการ")
    await expect(card.locator(".card-actions .hint")).to_contain_text("ภายใน 1.0 กม.")
    await screenshot("beyond-reach")
    assert not problems, str(problems)
