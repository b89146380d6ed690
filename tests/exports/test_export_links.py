"""Every list page and the map offer its rows as a file, with the filters the page shows."""

from html import unescape

from jitasa.core.words import Role
from tests.dashboard.helpers import HTML
from tests.exports.helpers import csv_dicts
from tests.help_requests.helpers import make_request
from tests.help_requests.test_request_pages import sign_in


def links(page: str) -> dict[str, str]:
    """Return the export links of a page by format (the HXL one as `hxl`)."""
    block = page.split('class="export-links"')[1].split("</p>")[0]
    found = {}
    for part in block.split("<a ")[1:]:
        href = unescape(part.split('href="')[1].split('"')[0])
        name = "hxl" if 'data-hxl="true"' in part else part.split('data-format="')[1].split('"')[0]
        found[name] = href
    return found


async def test_desk_exports_the_queue_it_shows(client, session):
    shown = await make_request(session, category="oxygen", urgency="red")
    await make_request(session, category="food_supplies")
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")

    page = await client.get("/desk?category=oxygen", headers=HTML)

    found = links(page.text)
    assert found["csv"] == (
        "/api/v1/exports/requests.csv?area=5001&status=claimed%2Cin_progress%2Copen&category=oxygen"
    )
    assert found["hxl"].endswith("&hxl=true") and set(found) == {"csv", "xlsx", "geojson", "hxl"}
    rows = csv_dicts(await client.get(found["csv"]))
    assert [r["code"] for r in rows] == [shown.code]


async def test_roster_and_facilities_offer_their_exports(client, session):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")

    roster = links((await client.get("/roster", headers=HTML)).text)
    facilities = links((await client.get("/facilities?open_only=true", headers=HTML)).text)

    assert roster["xlsx"] == "/api/v1/exports/volunteers.xlsx?area=5001"
    assert facilities["geojson"] == "/api/v1/exports/public-facilities.geojson?status=open"
    assert (await client.get(roster["xlsx"])).status_code == 200


async def test_map_offers_what_is_in_view(client):
    page = await client.get("/", headers=HTML)

    found = links(page.text)
    assert 'id="map-export"' in page.text
    assert found["csv"] == "/api/v1/exports/public-requests.csv"
    assert "ดาวน์โหลดคำขอที่เห็นบนแผนที่" in page.text
