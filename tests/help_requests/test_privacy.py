"""The privacy scan: no public answer ever shows a requester's name, phone, description or pin.

Every GET route of the app is called anonymously (and as a signed-in stranger), with its path
parameters filled with real ids, so an endpoint added later is scanned without touching this file.
"""

import contextlib
import itertools
import json
import re

from fastapi import routing
from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core import geo
from jitasa.core.words import Role
from jitasa.exports.datasets import DATASETS
from tests.factories import bearer, make_user, signed_in
from tests.help_requests.helpers import make_request, volunteer

CANARY = "Xq7"  # in every personal text field, so any of them leaking is found
PIN = {"lat": 18.788347, "lon": 98.985371}  # Mueang Chiang Mai, more decimals than any grid
PHONE_FORMS = ["+66897654321", "66897654321", "0897654321", "089-765-4321", "089 765 4321"]
PHONE_FORMS += ["089-7654321", "897654321"]
PERSONAL = {
    "contact_name": f"คุณยายสมศรี {CANARY}-name",
    "contact_phone": "089 765 4321",
    "description": f"Grandma is short of breath {CANARY}-description",
    "address_text": f"99/9 หมู่ 7 {CANARY}-address",
}
QUERY = {  # sensible values for any query parameter a GET route may take
    "lat": 18.7875,
    "lon": 98.9875,
    "radius_km": 10,
    "bbox": "98.9,18.7,99.1,18.9",
    "area": "5001",
    "category": "oxygen",
    "near": "18.7875,98.9875",
    "zoom": 14,
    "q": "เชียงใหม่",
}
LIST_FILTERS = [
    {},
    {"status": "open"},
    {"status": "claimed,in_progress,resolved"},
    {"category": "oxygen"},
    {"urgency": "red"},
    {"bbox": "98.9,18.7,99.1,18.9"},
    {"area": "50"},
    {"area": "5001"},
    {"limit": 1},
]
EVERY_STATUS = "open,claimed,in_progress,resolved,cancelled,closed,expired"
# The event stream replays every event since id 0 and ends, instead of waiting for new ones.
STREAM = "/api/v1/events/stream"
REPLAY = {"last_event_id": 0, "follow": "false"}
MAP_VIEWS = [  # a lone request becomes a point from zoom 14 on
    {"bbox": QUERY["bbox"], "zoom": zoom, "status": EVERY_STATUS, **area}
    for zoom in (5, 14, 18)
    for area in ({}, {"area": "50"}, {"area": "5001"})
]


def phone_forms(e164: str) -> list[str]:
    """Return the usual ways a Thai mobile number is written."""
    national = "0" + e164.removeprefix("+66")
    return [e164, e164[1:], national, f"{national[:3]}-{national[3:6]}-{national[6:]}"]


def get_paths(app) -> list[str]:
    """Return the path of every GET route of the app, included routers and all."""
    contexts = getattr(routing, "iter_route_contexts", lambda routes: routes)(app.routes)
    return sorted({c.path for c in contexts if "GET" in (getattr(c, "methods", None) or ())})


def filled(path: str, values: dict[str, list]) -> list[str]:
    """Return the path with its parameters filled by every combination of real values."""
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    missing = [n for n in names if n not in values]
    assert not missing, f"give the privacy scan real values for {missing} of {path}"
    urls = []
    for combination in itertools.product(*(values[n] for n in names)):
        url = path
        for name, value in zip(names, combination, strict=True):
            url = re.sub(r"{" + name + r"(?::\w+)?}", str(value), url)
        urls.append(url)
    return urls


def leaks(text: str, secrets: list[str]) -> list[str]:
    """Return the secrets found in a response, looking at the JSON's decoded strings too."""
    decoded = text
    with contextlib.suppress(ValueError):
        decoded += json.dumps(json.loads(text), ensure_ascii=False)
    found = [s for s in secrets if s.lower() in decoded.lower()]
    return found + pin_leaks(text)


def pin_leaks(text: str) -> list[str]:
    """Return positions in a JSON text that are the exact pin, whatever their precision."""
    try:
        document = json.loads(text)
    except ValueError:
        return []
    found = []

    def walk(node):
        if isinstance(node, dict):
            lats = [v for k, v in node.items() if "lat" in k.lower() and _number(v)]
            lons = [v for k, v in node.items() if "lon" in k.lower() and _number(v)]
            found.extend(
                f"lat/lon {lat},{lon}" for lat in lats for lon in lons if _is_pin(lat, lon)
            )
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            if len(node) == 2 and all(_number(v) for v in node) and _is_pin(node[1], node[0]):
                found.append(f"coordinates {node}")
            for value in node:
                walk(value)

    walk(document)
    return found


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_pin(lat: float, lon: float) -> bool:
    """Tell whether a position is within ~11 m of the exact pin (4 decimals or better)."""
    return abs(lat - PIN["lat"]) < 1e-4 and abs(lon - PIN["lon"]) < 1e-4


async def scenario(client, session) -> dict:
    """Create requests full of personal data in every status that shows on a map."""
    requester = await make_user(session, display_name=f"Somchai {CANARY}-requester")
    oxygen = await make_request(
        session, requester=requester, category="oxygen", urgency="red", **PIN, **PERSONAL
    )
    food = await make_request(session, requester=requester, **PIN)  # contact: the account's
    profile, claimer_headers = await volunteer(session)
    claimed = await client.post(f"/api/v1/requests/{food.id}/claim", headers=claimer_headers)
    assert claimed.status_code == 200, claimed.text
    done = await make_request(session, requester=requester, category="other", **PIN, **PERSONAL)
    await client.post(f"/api/v1/requests/{done.id}/claim", headers=claimer_headers)
    resolved = await client.post(
        f"/api/v1/requests/{done.id}/transition", json={"to": "resolved"}, headers=claimer_headers
    )
    assert resolved.status_code == 200, resolved.text
    return {
        "requester": requester,
        "claimer_headers": claimer_headers,
        "requests": [oxygen, food, done],
        "volunteer": profile,
        "secrets": [
            CANARY,
            *PHONE_FORMS,
            *phone_forms(requester.phone),
            *(f"{PIN[axis]}" for axis in ("lat", "lon")),
            *(f"{PIN[axis]:.5f}" for axis in ("lat", "lon")),
        ],
    }


async def scan(client, app, world: dict, headers: dict[str, str]) -> dict[str, list[str]]:
    """Call every GET route (and the request list with each filter); return what leaked where."""
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
        "kind": ["requests", "volunteers"],
    }
    urls = [url for path in get_paths(app) for url in filled(path, ids)]
    calls = [(url, {}) for url in urls] + [(url, QUERY) for url in urls]
    calls += [("/api/v1/requests", filters) for filters in LIST_FILTERS]
    calls += [("/api/v1/map", view) for view in MAP_VIEWS]
    found = {}
    for url, params in calls:
        if url == STREAM:
            params = {**params, **REPLAY}
        response = await client.get(url, params=params, headers=headers)
        assert response.status_code < 500, (url, response.text)
        leaked = leaks(response.text, world["secrets"])
        if leaked:
            found[f"{url} {params}"] = leaked
    return found


async def test_anonymous_answers_never_show_personal_data_or_the_exact_pin(client, session, app):
    world = await scenario(client, session)
    assert await scan(client, app, world, headers={}) == {}


async def test_signed_in_strangers_never_see_personal_data_or_the_exact_pin(client, session, app):
    world = await scenario(client, session)
    _stranger, stranger = await signed_in(session)
    _profile, stranger_volunteer = await volunteer(session)
    assert await scan(client, app, world, headers=stranger) == {}
    assert await scan(client, app, world, headers=stranger_volunteer) == {}


async def test_the_scan_finds_personal_data_where_it_may_be_shown(client, session, app):
    world = await scenario(client, session)
    found = await scan(client, app, world, headers=await bearer(session, world["requester"]))
    oxygen = world["requests"][0].id
    full_view = found[f"/api/v1/requests/{oxygen} {{}}"]
    assert {CANARY, "+66897654321", str(PIN["lat"])} <= set(full_view)
    assert any(leak.startswith("lat/lon") for leak in found["/api/v1/requests/mine {}"])


async def test_public_view_has_the_map_fields_and_a_pin_within_400_m(client, session):
    help_request = await make_request(session, category="oxygen", urgency="red", **PIN, **PERSONAL)
    response = await client.get(f"/api/v1/requests/{help_request.id}")
    assert response.status_code == 200
    shown = response.json()
    assert {"category", "urgency", "status", "created_at", "lat", "lon"} <= set(shown)
    assert not {"contact_name", "contact_phone", "description", "address_text"} & set(shown)
    assert (shown["lat"], shown["lon"]) != (PIN["lat"], PIN["lon"])
    assert geo.distance_km(shown["lat"], shown["lon"], PIN["lat"], PIN["lon"]) <= 0.4
    listed = (await client.get("/api/v1/requests")).json()["items"]
    assert [(r["lat"], r["lon"]) for r in listed] == [(shown["lat"], shown["lon"])]


async def test_nearby_pins_share_one_public_position(client, session):
    first = await make_request(session, lat=18.78801, lon=98.98551)
    second = await make_request(session, lat=18.78949, lon=98.98749)  # ~260 m away
    shown = [(await client.get(f"/api/v1/requests/{r.id}")).json() for r in (first, second)]
    assert (shown[0]["lat"], shown[0]["lon"]) == (shown[1]["lat"], shown[1]["lon"])


async def full_view_of(client, request_id: int, headers: dict[str, str]) -> bool:
    """Tell whether these headers get the full view of a request (its contact phone)."""
    response = await client.get(f"/api/v1/requests/{request_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json().get("contact_phone") == "+66897654321"


async def personal_data_reads(session) -> list[AuditEntry]:
    """Return the audit log's personal data reads, oldest first."""
    statement = (
        select(AuditEntry).where(AuditEntry.action == "personal_data.read").order_by(AuditEntry.id)
    )
    return list((await session.scalars(statement)).all())


async def test_requester_claimer_and_area_staff_see_everything(client, session):
    requester = await make_user(session)
    help_request = await make_request(session, requester=requester, **PIN, **PERSONAL)
    _profile, claimer = await volunteer(session)
    await client.post(f"/api/v1/requests/{help_request.id}/claim", headers=claimer)
    staff_user, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    _province_user, province = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")

    for headers in (await bearer(session, requester), claimer, staff, province):
        assert await full_view_of(client, help_request.id, headers)
    full = (await client.get(f"/api/v1/requests/{help_request.id}", headers=staff)).json()
    assert (full["lat"], full["lon"]) == (PIN["lat"], PIN["lon"])
    assert full["description"] == PERSONAL["description"]

    reads = await personal_data_reads(session)
    assert len(reads) == 3  # staff read it twice, the province once; requester and claimer: not
    assert reads[0].actor_id == staff_user.id
    assert (reads[0].subject_id, reads[0].area_code) == (str(help_request.id), "5001")


async def test_coordinator_of_another_district_gets_the_public_view(client, session):
    help_request = await make_request(session, **PIN, **PERSONAL)
    _other, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    assert not await full_view_of(client, help_request.id, headers)
    listed = await client.get("/api/v1/requests", params={"area": "5001"}, headers=headers)
    assert "contact_phone" not in listed.json()["items"][0]
    events = await client.get(f"/api/v1/requests/{help_request.id}/events", headers=headers)
    assert events.status_code == 403
    assert await personal_data_reads(session) == []


async def test_unrelated_volunteer_gets_the_public_view(client, session):
    help_request = await make_request(session, **PIN, **PERSONAL)
    _profile, headers = await volunteer(session)
    assert not await full_view_of(client, help_request.id, headers)
    events = await client.get(f"/api/v1/requests/{help_request.id}/events", headers=headers)
    assert events.status_code == 403


async def test_area_staff_list_is_full_and_audited(client, session):
    await make_request(session, **PIN, **PERSONAL)
    staff_user, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    listed = await client.get("/api/v1/requests", params={"area": "5001"}, headers=headers)
    assert listed.status_code == 200
    assert listed.json()["items"][0]["contact_phone"] == "+66897654321"
    (read,) = await personal_data_reads(session)
    assert (read.actor_id, read.area_code, read.details["count"]) == (staff_user.id, "5001", 1)


async def test_timeline_is_for_its_people_only(client, session):
    requester = await make_user(session)
    help_request = await make_request(session, requester=requester)
    anonymous = await client.get(f"/api/v1/requests/{help_request.id}/events")
    assert anonymous.status_code == 401
    own = await client.get(
        f"/api/v1/requests/{help_request.id}/events", headers=await bearer(session, requester)
    )
    assert own.status_code == 200
