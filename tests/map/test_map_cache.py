"""The map's answer cache: a repeat costs no statement, and no change is ever missed."""

from sqlalchemy import insert

from jitasa.accounts.models import User
from jitasa.accounts.policy import ClaimLimits
from jitasa.core.events import OutboxEvent
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.help_requests.states import Status
from jitasa.map.cache import AnswerCache, OutboxWatch
from tests.core.test_query_counts import statements
from tests.factories import signed_in
from tests.help_requests.helpers import CHIANG_MAI, make_request, volunteer

NEAR = {"bbox": "98.90,18.70,99.10,18.90", "zoom": 11}
UP_CLOSE = {"bbox": "98.97,18.77,99.00,18.80", "zoom": 15}
BUSY = ClaimLimits(verified_open=100, releases_per_hour=100)


async def _map(client, **params):
    response = await client.get("/api/v1/map", params={**NEAR, **params})
    assert response.status_code == 200, response.text
    return response


async def _total(client, **params) -> int:
    return (await _map(client, **params)).json()["totals"]["requests"]


async def test_a_repeated_viewport_is_answered_without_a_statement(app, client, session):
    await make_request(session)
    first = await _map(client)
    with statements(app) as sent:
        again = await _map(client)
    assert sent == []
    assert again.content == first.content
    # A viewport covering the same cells is the same answer, echoing its own bbox.
    nudged = await client.get("/api/v1/map", params={**NEAR, "bbox": "98.9001,18.70,99.10,18.90"})
    assert nudged.json()["features"] == first.json()["features"]
    assert nudged.json()["bbox"][0] == 98.9001


async def test_create_claim_and_resolve_are_seen_at_once(client, session):
    help_request = await make_request(session)
    assert await _total(client) == 1
    assert await _total(client, status="resolved") == 0
    await make_request(session, lat=CHIANG_MAI["lat"] + 0.01, lon=CHIANG_MAI["lon"])
    assert await _total(client) == 2  # created
    profile, _headers = await volunteer(session, service_radius_km=50)
    helper = await session.get(User, profile.user_id)
    await lifecycle.claim(session, help_request=help_request, user=helper, limits=BUSY)
    await session.commit()
    body = (await _map(client)).json()
    statuses = {}
    for feature in body["features"]:
        for status, number in feature["properties"]["counts"]["status"].items():
            statuses[status] = statuses.get(status, 0) + number
    assert statuses == {"open": 1, "claimed": 1}  # claimed
    await lifecycle.transition(session, help_request=help_request, user=helper, to=Status.RESOLVED)
    await session.commit()
    assert await _total(client) == 1  # resolved: no longer active
    assert await _total(client, status="resolved") == 1


async def test_filters_are_part_of_the_key(client, session):
    await make_request(session, category="food_supplies")
    await make_request(session, category="oxygen", urgency="red", lat=18.80, lon=99.0)
    assert await _total(client) == 2
    assert await _total(client, category="oxygen") == 1
    assert await _total(client, category="food_supplies") == 1
    assert await _total(client, urgency="red") == 1
    assert await _total(client, area="10") == 0
    # A bad value is still refused though a good one was answered from the cache.
    response = await client.get("/api/v1/map", params={**NEAR, "category": "pizza"})
    assert response.status_code == 422


async def test_etag_gives_304_until_the_layer_changes(client, session):
    await make_request(session)
    first = await _map(client)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=5"
    same = await client.get("/api/v1/map", params=NEAR, headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.content == b"" and same.headers["etag"] == tag
    weak_list = {"If-None-Match": f'"x", W/{tag}'}
    listed = await client.get("/api/v1/map", params=NEAR, headers=weak_list)
    assert listed.status_code == 304
    other_zoom = await client.get(
        "/api/v1/map", params={**NEAR, "zoom": 12}, headers={"If-None-Match": tag}
    )
    assert other_zoom.status_code == 200 and other_zoom.headers["etag"] != tag
    await make_request(session, lat=18.8, lon=99.0)
    changed = await client.get("/api/v1/map", params=NEAR, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert changed.json()["totals"]["requests"] == 2


async def test_cached_answers_hold_no_personal_data(app, client, session):
    await make_request(
        session, contact_name="Somchai Jaidee", contact_phone="0812345678", description="Flooded"
    )
    response = await client.get("/api/v1/map", params=UP_CLOSE)
    points = [f for f in response.json()["features"] if not f["properties"]["cluster"]]
    assert len(points) == 1  # a lone request is shown as a point, from the public view
    stored = b"".join(stored.tail for _versions, stored in app.state.map_cache._entries.values())
    for secret in (b"Somchai", b"812345678", b"Flooded", b"18.7883"):
        assert secret not in stored and secret not in response.content


async def test_signed_in_and_private_answers_are_never_marked_public(client, session):
    await make_request(session)
    _profile, volunteer_headers = await volunteer(session)
    _admin, admin_headers = await signed_in(session, roles=[Role.ADMIN])
    private = [
        ("/api/v1/requests/nearby", CHIANG_MAI, volunteer_headers),
        ("/api/v1/requests", {}, admin_headers),
        ("/api/v1/requests", {}, {}),
    ]
    for path, params, headers in private:
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        assert "public" not in response.headers.get("cache-control", ""), path
        assert "etag" not in response.headers
    signed = await client.get("/api/v1/requests", headers=admin_headers)
    assert signed.headers["cache-control"] == "no-store"


async def test_an_answer_made_across_a_change_is_not_kept():
    cache = AnswerCache()
    key = ("requests", 5)
    versions = cache.versions(("requests",))
    cache.forget({"requests"})  # a commit lands while the answer is being made
    cache.put(key, ("requests",), versions, b"}")
    assert cache.get(key, ("requests",)) is None
    cache.put(key, ("requests",), cache.versions(("requests",)), b"}")
    assert cache.get(key, ("requests",)) is not None
    cache.forget_kinds({"volunteer.verified"})  # tells nothing of the map
    assert cache.get(key, ("requests",)) is not None
    cache.forget_kinds({"facility.updated"})
    assert cache.get(key, ("requests",)) is not None
    cache.forget_kinds({"request.updated"})
    assert cache.get(key, ("requests",)) is None


async def test_another_process_event_in_the_outbox_forgets_the_layer(session):
    cache, key = AnswerCache(), ("requests", 1)
    watch = OutboxWatch(cache)
    await watch.poll(session)  # notes where the outbox stands
    cache.put(key, ("requests",), cache.versions(("requests",)), b"}")
    await watch.poll(session)
    assert cache.get(key, ("requests",)) is not None  # nothing new
    # Written as another process would: no commit of this process's sessions announced it.
    row = {"kind": "request.created", "public": {}, "full": {}}
    await session.execute(insert(OutboxEvent), [row])
    await session.commit()
    await watch.poll(session)
    assert cache.get(key, ("requests",)) is None
    cache.put(key, ("requests",), cache.versions(("requests",)), b"}")
    await watch.poll(session)  # the same event is not taken twice
    assert cache.get(key, ("requests",)) is not None
