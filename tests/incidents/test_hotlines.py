"""Hotlines are incident data, in reach on every page a person in trouble sees (issue 17)."""

import re

import pytest

from jitasa.core.words import Role
from jitasa.incidents import hotlines
from tests.factories import signed_in
from tests.help_requests.helpers import make_request

HTML = {"Accept": "text/html"}
COVID_NUMBERS = ["1669", "1330", "1323", "191", "199"]
# Reachable before any sign-in, error pages included.
ANONYMOUS_PAGES = ["/", "/signin", "/staff/signin", "/privacy", "/requests/99999999", "/nowhere"]
FLOOD = {
    "code": "floods-2026-chiangmai",
    "name_th": "น้ำท่วมเชียงใหม่ 2569",
    "name_en": "Chiang Mai floods 2026",
    "kind": "flood",
    "categories": [{"code": "evacuation", "name_th": "อพยพ", "name_en": "Evacuation"}],
}


def tel_numbers(page: str) -> list[str]:
    """Return the numbers of the page's hotline bar, in order."""
    bar = page.split('class="hotline-bar"')[1].split("</nav>")[0]
    return re.findall(r'href="tel:(\d+)"', bar)


async def test_the_default_incident_carries_its_hotlines_as_data(client):
    incident = (await client.get("/api/v1/incidents/covid-19")).json()
    assert [line["number"] for line in incident["hotlines"]] == COVID_NUMBERS
    assert incident["hotlines"][0] == {
        "number": "1669",
        "name_th": "เจ็บป่วยฉุกเฉิน (สพฉ.)",
        "name_en": "Medical emergency",
    }


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
async def test_pages_before_sign_in_and_error_pages_show_the_hotlines(client, path, lang):
    await client.get("/", headers=HTML)  # a 404 no route serves shows the last numbers read
    page = await client.get(path, params={"lang": lang}, headers=HTML)
    assert tel_numbers(page.text) == COVID_NUMBERS, path
    name = "เจ็บป่วยฉุกเฉิน (สพฉ.)" if lang == "th" else "Medical emergency"
    assert name in page.text


@pytest.mark.parametrize("lang", ["th", "en"])
async def test_the_sos_form_and_my_requests_show_the_hotlines(client, session, lang):
    user, headers = await signed_in(session)
    await make_request(session, requester=user)
    for path in ("/sos", "/requests/mine"):
        page = await client.get(path, params={"lang": lang}, headers={**HTML, **headers})
        assert page.status_code == 200
        assert tel_numbers(page.text) == COVID_NUMBERS, path


async def test_a_throttled_sign_in_still_shows_the_hotlines(client):
    token = (await client.get("/signin", headers=HTML)).text.split('name="csrf_token" value="')[1]
    form = {"phone": "0812345699", "csrf_token": token.split('"')[0], "next": "/"}
    pages = [await client.post("/signin", data=form, headers=HTML) for _ in range(4)]
    assert pages[-1].status_code == 429
    assert tel_numbers(pages[-1].text) == COVID_NUMBERS
    assert "ลองใหม่ได้ในอีกประมาณ" in pages[-1].text


async def test_a_flood_incident_brings_its_kinds_numbers_to_every_page(client, session):
    _admin, headers = await signed_in(session, roles=(Role.ADMIN,))
    created = await client.post("/api/v1/incidents", json=FLOOD, headers=headers)
    assert created.status_code == 201, created.text
    flood_numbers = [line["number"] for line in created.json()["hotlines"]]
    assert flood_numbers == ["1669", "1784", "199", "191", "1567", "1300"]
    page = (await client.get("/", headers=HTML)).text
    # 1669 first, the flood's own numbers, then COVID-19's that are not there yet.
    assert tel_numbers(page) == ["1669", "1784", "199", "191", "1567", "1300", "1330", "1323"]


async def test_an_incident_may_name_its_own_hotlines(client, session):
    _admin, headers = await signed_in(session, roles=(Role.ADMIN,))
    own = [{"number": "1668", "name_th": "สายด่วนเตียง กทม.", "name_en": "Bangkok bed line"}]
    created = await client.post(
        "/api/v1/incidents", json=FLOOD | {"hotlines": own}, headers=headers
    )
    assert created.json()["hotlines"] == own
    page = (await client.get("/", params={"lang": "en"}, headers=HTML)).text
    assert 'href="tel:1668"' in page and "Bangkok bed line" in page
    bad = FLOOD | {
        "code": "floods-x",
        "hotlines": [{"number": "16 69", "name_th": "x", "name_en": "x"}],
    }
    refused = await client.post("/api/v1/incidents", json=bad, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "hotlines.0.number"


def test_1669_police_and_fire_are_always_there_and_first_is_1669():
    assert [line["number"] for line in hotlines.merged([])] == ["1669", "191", "199"]
    for kind in ("epidemic", "flood", "disaster", "haze", "other"):
        numbers = [line["number"] for line in hotlines.defaults_for(kind)]
        assert numbers[0] == "1669" and {"191", "199"} <= set(numbers), kind
