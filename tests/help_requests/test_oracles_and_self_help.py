"""Duplicates and "near me" tell nothing finer than the public map; nobody helps themselves."""

import pytest

from jitasa.accounts.models import User
from jitasa.core import geo
from jitasa.core.words import Role
from tests.factories import bearer, make_user, signed_in
from tests.help_requests.helpers import CHIANG_MAI, make_request, reload, volunteer

PIN = {"lat": 18.788347, "lon": 98.985371}  # inside the cell centred on 18.7875, 98.9875
CELL = geo.PRIVACY_GRID_DEGREES
STRANGERS_PHONE = "0897654321"


async def duplicates(client, headers, **params):
    """Ask which open requests a new one at these params may repeat."""
    return await client.get("/api/v1/requests/duplicates", params=params, headers=headers)


async def listed(client, headers, lat: float, lon: float) -> bool:
    """Tell whether the duplicate check at this point lists anything."""
    response = await duplicates(client, headers, lat=lat, lon=lon, category="oxygen")
    assert response.status_code == 200, response.text
    return bool(response.json())


@pytest.fixture
def limits(app):
    """Set the duplicate check's limits for one test: a function of (per_account, per_address)."""
    kept = app.state.settings

    def set_limits(per_account: int, per_address: int) -> None:
        app.state.settings = kept.model_copy(
            update={
                "duplicate_checks_per_account": per_account,
                "duplicate_checks_per_address": per_address,
            }
        )

    yield set_limits
    app.state.settings = kept


@pytest.fixture
def generous_limits(limits):
    """Let one test probe the duplicate check many times, as an attacker would try to."""
    limits(10_000, 10_000)


async def test_every_probe_inside_one_public_cell_gets_the_same_answer(
    client, session, generous_limits
):
    await make_request(session, category="oxygen", urgency="red", **PIN)
    _asker, headers = await signed_in(session)
    answers: dict[tuple[float, float], set[str]] = {}
    steps = [i * 0.0013 for i in range(-5, 6)]  # ±720 m in ~145 m steps
    for d_lat in steps:
        for d_lon in steps:
            lat, lon = PIN["lat"] + d_lat, PIN["lon"] + d_lon
            response = await duplicates(client, headers, lat=lat, lon=lon, category="oxygen")
            assert response.status_code == 200, response.text
            answers.setdefault(geo.round_for_privacy(lat, lon), set()).add(response.text)
    assert all(len(texts) == 1 for texts in answers.values()), "an answer varies inside a cell"
    listing = {cell for cell, texts in answers.items() if texts != {"[]"}}
    assert listing == {geo.round_for_privacy(**PIN)}


async def bisect(client, headers, *, inside: float, outside: float, at) -> float:
    """Return where the answer changes between two probes, found by 30 halvings."""
    for _ in range(30):
        middle = (inside + outside) / 2
        if await listed(client, headers, *at(middle)):
            inside = middle
        else:
            outside = middle
    return inside


async def test_bisecting_the_duplicate_check_finds_only_the_public_cells_edges(
    client, session, generous_limits
):
    await make_request(session, category="oxygen", urgency="red", **PIN)
    _asker, headers = await signed_in(session)
    north = await bisect(
        client, headers, inside=PIN["lat"], outside=PIN["lat"] + 0.01, at=lambda v: (v, PIN["lon"])
    )
    east = await bisect(
        client, headers, inside=PIN["lon"], outside=PIN["lon"] + 0.01, at=lambda v: (PIN["lat"], v)
    )
    # The answer changes at the cell's edges (18.790 and 98.990), nowhere nearer the pin.
    assert north == pytest.approx(18.790, abs=1e-6)
    assert east == pytest.approx(98.990, abs=1e-6)


async def test_a_strangers_phone_is_never_confirmed(client, session):
    await make_request(session, contact_phone=STRANGERS_PHONE, **PIN)  # food: another category
    _asker, headers = await signed_in(session)
    other_category = await duplicates(
        client, headers, phone=STRANGERS_PHONE, category="oxygen", **PIN
    )
    assert other_category.json() == []
    same_category = await duplicates(
        client, headers, phone=STRANGERS_PHONE, category="food_supplies", **PIN
    )
    (candidate,) = same_category.json()
    assert candidate["same_phone"] is False  # listed for its place, as the public map shows it
    assert candidate["distance_m"] == 0


async def test_area_staff_are_told_of_the_same_phone(client, session):
    earlier = await make_request(session, contact_phone=STRANGERS_PHONE, **PIN)
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await duplicates(client, headers, phone=STRANGERS_PHONE, **CHIANG_MAI)
    assert [(c["request"]["id"], c["same_phone"]) for c in response.json()] == [(earlier.id, True)]
    _other_staff, elsewhere = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    assert (await duplicates(client, elsewhere, phone=STRANGERS_PHONE, **CHIANG_MAI)).json() == []


async def test_too_many_duplicate_checks_from_one_account_answer_429(client, session, limits):
    limits(per_account=3, per_address=100)
    _asker, headers = await signed_in(session)
    for _ in range(3):
        assert (await duplicates(client, headers, **PIN)).status_code == 200
    refused = await duplicates(client, headers, **PIN)
    assert refused.status_code == 429, refused.text
    problem = refused.json()
    assert problem["detail_th"] != problem["detail"]  # in Thai and English
    assert int(refused.headers["Retry-After"]) > 0
    _other, other_headers = await signed_in(session)
    assert (await duplicates(client, other_headers, **PIN)).status_code == 200


async def test_too_many_duplicate_checks_from_one_address_answer_429(client, session, limits):
    limits(per_account=100, per_address=3)
    for _ in range(3):
        _asker, headers = await signed_in(session)
        assert (await duplicates(client, headers, **PIN)).status_code == 200
    _asker, headers = await signed_in(session)
    assert (await duplicates(client, headers, **PIN)).status_code == 429


async def own_request_of_a_volunteer(session):
    """Create a verified volunteer who also asked for help; return request, profile, headers."""
    profile, headers = await volunteer(session)
    user = await session.get(User, profile.user_id)
    help_request = await make_request(session, requester=user, **PIN)
    return help_request, profile, headers


async def test_volunteer_cannot_claim_their_own_request_but_can_cancel_it(client, session):
    help_request, _profile, headers = await own_request_of_a_volunteer(session)
    claimed = await client.post(f"/api/v1/requests/{help_request.id}/claim", headers=headers)
    assert claimed.status_code == 403, claimed.text
    problem = claimed.json()
    assert problem["code"] == "request.own_request"
    assert problem["detail_th"] != problem["detail"]
    assert (await reload(session, help_request.id)).status == "open"
    cancelled = await client.post(
        f"/api/v1/requests/{help_request.id}/transition", json={"to": "cancelled"}, headers=headers
    )
    assert cancelled.status_code == 200, cancelled.text


async def test_coordinator_cannot_assign_a_request_to_its_requester(client, session):
    help_request, profile, _headers = await own_request_of_a_volunteer(session)
    _staff, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    assigned = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=staff,
    )
    assert assigned.status_code == 403, assigned.text
    assert assigned.json()["code"] == "request.own_request"


async def test_nearby_leaves_out_the_volunteers_own_requests(client, session):
    own, _profile, headers = await own_request_of_a_volunteer(session)
    someone_elses = await make_request(session, **PIN)
    response = await client.get("/api/v1/requests/nearby", params=CHIANG_MAI, headers=headers)
    assert [r["id"] for r in response.json()] == [someone_elses.id]
    assert own.id != someone_elses.id


async def test_own_requests_keep_their_duplicate_warning(client, session):
    requester = await make_user(session)
    earlier = await make_request(
        session, requester=requester, category="oxygen", urgency="red", **PIN
    )
    headers = await bearer(session, requester)
    far = {"lat": PIN["lat"] + 0.05, "lon": PIN["lon"]}  # 5.5 km north: found by the phone
    (by_phone,) = (await duplicates(client, headers, **far)).json()
    assert (by_phone["request"]["id"], by_phone["same_phone"]) == (earlier.id, True)
