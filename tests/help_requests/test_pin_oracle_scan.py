"""The oracle scan: no answer depends on where a request's exact pin lies inside its public cell.

Every GET route is called twice, probing at a request's exact pin and at another point of the
same public cell (lat/lon, a small bbox, a point to search near, the requester's phone); the two
answers must be the same, and neither may show the requester's phone, name or exact pin.
"""

import re

from jitasa.core import geo
from jitasa.exports.datasets import DATASETS
from tests.factories import signed_in
from tests.help_requests.helpers import volunteer
from tests.help_requests.test_privacy import (
    PIN,
    REPLAY,
    STREAM,
    filled,
    get_paths,
    leaks,
    scenario,
)

# Same public cell as PIN (centre 18.7875, 98.9875), about 500 m from it.
ELSEWHERE_IN_CELL = {"lat": 18.7862, "lon": 98.9895}
HALF_BOX = 0.0004  # a ~45 m box: holds the exact pin when probed there, never the cell centre
ECHOED_BBOX = re.compile(r'^\{"type":"FeatureCollection","bbox":\[[^\]]*\]')  # the question
COUNTS_EVERY_CALL = {"/metrics"}  # request counters: the scan's own calls change them


def probe_params(point: dict, phone: str) -> dict:
    """Return a value, centred on the point, for every query parameter that takes a place."""
    lat, lon = point["lat"], point["lon"]
    box = f"{lon - HALF_BOX},{lat - HALF_BOX},{lon + HALF_BOX},{lat + HALF_BOX}"
    return {
        "lat": lat,
        "lon": lon,
        "radius_km": 0.3,
        "bbox": box,
        "near": f"{lat},{lon}",
        "zoom": 18,
        "category": "oxygen",
        "phone": phone,
        "q": phone,
    }


def steady(text: str) -> str:
    """Return the answer without the map's echo of the bbox asked for."""
    return ECHOED_BBOX.sub("", text)


async def answers(client, app, world: dict, headers: dict, point: dict) -> dict[str, str]:
    """Call every GET route probing at this point; return each answer by URL."""
    ids = {
        "request_id": [r.id for r in world["requests"]],
        "volunteer_id": [world["volunteer"].id],
        "code": ["50", "5001", "covid-19"],
        "token_id": [1],
        "facility_id": [1],
        "dataset": list(DATASETS),
        "fmt": ["csv", "geojson"],
        "draft": ["0" * 32],
        "import_id": [1],
        "kind": ["facilities"],
    }
    params = probe_params(point, world["requester"].phone)
    found = {}
    for path in get_paths(app):
        for url in filled(path, ids):
            asked = {**params, **REPLAY} if url == STREAM else params
            response = await client.get(url, params=asked, headers=headers)
            assert response.status_code < 500, (url, response.text)
            leaked = leaks(response.text, world["secrets"])
            assert not leaked, (url, leaked)
            if url not in COUNTS_EVERY_CALL:
                found[url] = f"{response.status_code} {steady(response.text)}"
    return found


async def assert_same_answers_anywhere_in_the_cell(client, app, world, headers) -> None:
    """Assert that probing at the exact pin tells nothing a probe elsewhere in its cell doesn't."""
    assert geo.round_for_privacy(**PIN) == geo.round_for_privacy(**ELSEWHERE_IN_CELL)
    at_pin = await answers(client, app, world, headers, PIN)
    elsewhere = await answers(client, app, world, headers, ELSEWHERE_IN_CELL)
    differing = sorted(url for url in at_pin if at_pin[url] != elsewhere[url])
    assert differing == [], "these answers depend on the exact pin"


async def test_anonymous_answers_do_not_depend_on_the_exact_pin(client, session, app):
    world = await scenario(client, session)
    await assert_same_answers_anywhere_in_the_cell(client, app, world, {})


async def test_a_signed_in_strangers_answers_do_not_depend_on_the_exact_pin(client, session, app):
    world = await scenario(client, session)
    _stranger, stranger = await signed_in(session)
    await assert_same_answers_anywhere_in_the_cell(client, app, world, stranger)


async def test_an_unrelated_volunteers_answers_do_not_depend_on_the_exact_pin(client, session, app):
    world = await scenario(client, session)
    _profile, stranger_volunteer = await volunteer(session)
    await assert_same_answers_anywhere_in_the_cell(client, app, world, stranger_volunteer)
