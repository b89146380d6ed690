"""A map URL answered before is sent again before routing, exactly as the route would send it."""

from jitasa.core.observability import REQUESTS
from tests.help_requests.helpers import make_request

NEAR = "bbox=98.90,18.70,99.10,18.90&zoom=11"
PER_REQUEST = {"x-request-id", "date"}


def _routed(app) -> list[bytes]:
    """Note each query string the map route answers (it notes them for the repeats)."""
    cache, seen = app.state.map_cache, []
    remember = cache.remember_url

    def noting(query, *args):
        seen.append(query)
        remember(query, *args)

    cache.remember_url = noting
    return seen


def _same(first, second) -> None:
    """Assert two answers are the same status, headers and bytes."""
    assert second.status_code == first.status_code
    assert second.content == first.content
    headers = [(k, v) for k, v in first.headers.multi_items() if k not in PER_REQUEST]
    assert [(k, v) for k, v in second.headers.multi_items() if k not in PER_REQUEST] == headers


def _answered(route: str = "/api/v1/map") -> float:
    return REQUESTS.labels("GET", route, "200")._value.get()


async def test_a_repeat_skips_the_route_and_is_the_same_answer(app, client, session):
    await make_request(session)
    routed = _routed(app)
    first = await client.get(f"/api/v1/map?{NEAR}")
    assert first.status_code == 200 and first.json()["totals"]["requests"] == 1
    assert routed == [NEAR.encode()]
    counted = _answered()
    again = await client.get(f"/api/v1/map?{NEAR}")
    assert routed == [NEAR.encode()]  # the route did not run again
    _same(first, again)
    assert _answered() == counted + 1  # still counted under the map's route

    tag = {"If-None-Match": first.headers["etag"]}
    assert (await client.get(f"/api/v1/map?{NEAR}", headers=tag)).status_code == 304
    assert routed == [NEAR.encode()]


async def test_a_change_sends_the_repeat_to_the_route_again(app, client, session):
    await make_request(session)
    routed = _routed(app)
    first = await client.get(f"/api/v1/map?{NEAR}")
    await make_request(session, lat=18.8, lon=99.0)
    changed = await client.get(
        f"/api/v1/map?{NEAR}", headers={"If-None-Match": first.headers["etag"]}
    )
    assert routed == [NEAR.encode()] * 2
    assert changed.status_code == 200 and changed.json()["totals"]["requests"] == 2


async def test_only_the_same_query_string_is_a_repeat(app, client, session):
    await make_request(session)
    routed = _routed(app)
    first = await client.get(f"/api/v1/map?{NEAR}")
    reordered = "zoom=11&bbox=98.90,18.70,99.10,18.90"
    second = await client.get(f"/api/v1/map?{reordered}")
    assert routed == [NEAR.encode(), reordered.encode()]
    _same(first, second)  # the route made the same answer from its own key
    # Bad input is never a repeat: the route refuses it each time.
    for _ in range(2):
        assert (await client.get("/api/v1/map?bbox=1,2,3&zoom=11")).status_code == 422
    assert (await client.post(f"/api/v1/map?{NEAR}")).status_code == 405
