"""The home page in Chromium: the map of Thailand, language switch, tap to locate, area search."""

import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.browser

# Thailand's far corners: Mae Sai (north), Betong (south), Mae Sariang (west), Khong Chiam (east).
THAILAND_EXTREMES = [(20.43, 99.88), (5.78, 101.07), (18.17, 97.93), (15.32, 105.5)]
CHIANG_MAI_CITY = (18.79, 98.98)
# Functions, never bare expressions: the page's CSP forbids the eval() Playwright polls those with.
MAP_READY = "() => Boolean(window.jitasaMap && window.jitasaMap._loaded)"


async def open_map(page: Page, path: str = "/") -> None:
    """Open a page with the map and wait until the map shows tiles and the network is quiet."""
    await page.goto(path, wait_until="networkidle")
    await page.wait_for_function(MAP_READY)
    await expect(page.locator("#map .leaflet-tile-loaded").first).to_be_attached()


async def map_state(page: Page) -> dict:
    """Return the map's zoom, center and bounds."""
    return await page.evaluate(
        """() => {
            const map = window.jitasaMap, b = map.getBounds(), c = map.getCenter();
            return {zoom: map.getZoom(), center: [c.lat, c.lng],
                    south: b.getSouth(), north: b.getNorth(), west: b.getWest(), east: b.getEast()};
        }"""
    )


async def test_home_page_shows_the_map_of_thailand_in_thai(page, problems, screenshot):
    await open_map(page)

    await expect(page.locator("html")).to_have_attribute("lang", "th")
    await expect(page.locator(".brand")).to_have_text("จิตอาสา")
    await expect(page.locator("#map.leaflet-container")).to_be_visible()
    await expect(page.locator("#map")).to_have_attribute("aria-label", "แผนที่ประเทศไทย")
    await expect(page.locator("#area-q")).to_have_attribute(
        "placeholder", "ค้นหาจังหวัด อำเภอ ตำบล หรือรหัสไปรษณีย์"
    )
    await expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    await expect(page.locator(".leaflet-control-zoom-in")).to_be_visible()
    state = await map_state(page)
    for lat, lon in THAILAND_EXTREMES:
        assert state["south"] < lat < state["north"], (lat, state)
        assert state["west"] < lon < state["east"], (lon, state)
    assert state["north"] - state["south"] < 40, "the map shows Thailand, not the whole world"
    assert await page.locator("#map .leaflet-tile-loaded").count() > 0
    await screenshot("map")
    assert not problems, str(problems)


async def test_english_is_one_click_away_and_is_remembered(page, problems, screenshot):
    await open_map(page)
    await page.locator(".lang-switch").click()
    await page.wait_for_url("**/?lang=en")
    await page.wait_for_function(MAP_READY)

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator(".brand")).to_have_text("Jitasa")
    await expect(page.locator(".lang-switch")).to_have_text("ภาษาไทย")
    await expect(page.locator("#area-q")).to_have_attribute(
        "placeholder", "Find a province, district, subdistrict or postal code"
    )
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    assert cookies["lang"] == "en"

    await open_map(page, "/")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator(".brand")).to_have_text("Jitasa")
    await screenshot("english")

    await open_map(page, "/?lang=th")
    await expect(page.locator("html")).to_have_attribute("lang", "th")
    await open_map(page, "/")
    await expect(page.locator(".brand")).to_have_text("จิตอาสา")
    assert not problems, str(problems)


async def test_tapping_chiang_mai_city_names_its_province_and_district(
    page, problems, screenshot, viewport
):
    await open_map(page)
    # Zoom in on the city first, as a visitor would before tapping their street.
    await page.evaluate("([lat, lon]) => window.jitasaMap.setView([lat, lon], 10)", CHIANG_MAI_CITY)
    await page.wait_for_function("() => window.jitasaMap.getZoom() === 10")
    await page.wait_for_load_state("networkidle")
    point = await page.evaluate(
        "([lat, lon]) => window.jitasaMap.latLngToContainerPoint([lat, lon])", CHIANG_MAI_CITY
    )
    box = await page.locator("#map").bounding_box()
    x, y = box["x"] + point["x"], box["y"] + point["y"]
    if viewport == "phone":
        await page.touchscreen.tap(x, y)
    else:
        await page.mouse.click(x, y)

    popup = page.locator(".leaflet-popup-content .locate-popup")
    await expect(popup).to_be_visible()
    rows = popup.locator("div")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_have_text("จังหวัด: เชียงใหม่ (50)")
    await expect(rows.nth(1)).to_have_text("อำเภอ/เขต: เมืองเชียงใหม่ (5001)")
    await screenshot("popup")
    assert not problems, str(problems)


async def test_searching_chiang_mai_outlines_the_province_and_zooms_in(page, problems, screenshot):
    await open_map(page)
    before = await map_state(page)

    await page.locator("#area-q").fill("เชียงใหม่")
    province = page.locator("#area-results button", has_text="จังหวัด 50")
    await expect(province).to_have_count(1)
    await expect(province).to_contain_text("เชียงใหม่")
    await expect(page.locator("#area-results button", has_text="เมืองเชียงใหม่")).to_be_visible()
    await screenshot("results")

    await province.click()
    await expect(page.locator("#area-results button")).to_have_count(0)
    await expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(1)
    await page.wait_for_function("(zoom) => window.jitasaMap.getZoom() > zoom", arg=before["zoom"])
    await page.wait_for_load_state("networkidle")
    after = await map_state(page)
    lat, lon = after["center"]
    assert 17.2 < lat < 20.2 and 98.0 < lon < 99.6, after  # inside Chiang Mai province
    assert after["zoom"] >= before["zoom"] + 2, (before, after)
    await screenshot("outline")
    assert not problems, str(problems)


GUIDE = {
    "th": {
        "query": "เชียงใหม่",
        "result": "จังหวัด 50",
        "popup": ["จังหวัด: เชียงใหม่ (50)", "อำเภอ/เขต: เมืองเชียงใหม่ (5001)"],
        "doc_viewport": "phone",
    },
    "en": {
        "query": "Chiang Mai",
        "result": "Province 50",
        "popup": ["Province: Chiang Mai (50)", "District: Mueang Chiang Mai (5001)"],
        "doc_viewport": "desktop",
    },
}


@pytest.mark.parametrize("lang", sorted(GUIDE))
async def test_a_visitor_finds_their_province_then_taps_their_district(
    page, problems, screenshot, viewport, lang
):
    """The user guides' walk-through (and their pictures, with JITASA_DOC_IMAGES=1)."""
    guide = GUIDE[lang]
    await open_map(page, f"/?lang={lang}")
    await page.locator("#area-q").fill(guide["query"])
    await page.locator("#area-results button", has_text=guide["result"]).click()
    await expect(page.locator("#map .leaflet-overlay-pane path")).to_have_count(1)
    await page.wait_for_function("() => window.jitasaMap.getZoom() >= 7")
    await page.wait_for_load_state("networkidle")

    point = await page.evaluate(
        "([lat, lon]) => window.jitasaMap.latLngToContainerPoint([lat, lon])", CHIANG_MAI_CITY
    )
    box = await page.locator("#map").bounding_box()
    await page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    await expect(page.locator(".locate-popup div")).to_have_text(guide["popup"])
    doc_image = f"home-{lang}" if viewport == guide["doc_viewport"] else None
    await screenshot("popup", doc_image=doc_image)
    assert not problems, str(problems)
