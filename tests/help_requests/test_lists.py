"""Request lists: bbox, status, category, urgency and area filters; cursor paging; mine; tasks."""

import pytest

from jitasa.core.words import Role
from tests.factories import bearer, make_user, signed_in
from tests.help_requests.helpers import (
    CHIANG_MAI,
    CHOM_THONG,
    field_names,
    make_request,
    put_in_status,
    volunteer,
)

CITY_BBOX = "98.95,18.75,99.05,18.85"  # min_lon,min_lat,max_lon,max_lat around Chiang Mai city


async def listed(client, headers=None, **params) -> list[int]:
    """Return the ids the request list shows for these filters."""
    response = await client.get("/api/v1/requests", params=params, headers=headers or {})
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["items"]]


async def test_list_is_newest_first_and_public_for_anonymous(client, session):
    older, newer = [await make_request(session) for _ in "ab"]
    response = await client.get("/api/v1/requests")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["items"]] == [newer.id, older.id]
    assert response.json()["next_cursor"] is None
    assert "contact_phone" not in response.json()["items"][0]


async def test_bbox_keeps_only_requests_inside_it(client, session):
    city = await make_request(session)
    await make_request(session, **CHOM_THONG)
    assert await listed(client, bbox=CITY_BBOX) == [city.id]
    assert await listed(client, bbox="100.0,13.0,101.0,14.0") == []  # Bangkok


@pytest.mark.parametrize(
    "bbox",
    [
        "98.95,18.75,99.05",  # three numbers
        "98.95,18.75,99.05,18.85,1",  # five numbers
        "west,south,east,north",
        "",
        "98.95;18.75;99.05;18.85",
        "99.05,18.75,98.95,18.85",  # west > east
        "98.95,18.85,99.05,18.75",  # south > north
        "170,10,190,20",  # beyond 180° east
        "98,-91,99,18",  # beyond the south pole
        "nan,18.75,99.05,18.85",
        "inf,18.75,99.05,18.85",
    ],
)
async def test_bad_bbox_is_refused_naming_bbox(client, session, bbox):
    response = await client.get("/api/v1/requests", params={"bbox": bbox})
    assert response.status_code == 422, response.text
    assert field_names(response) == {"bbox"}


@pytest.mark.parametrize("bbox", ["nan,18.75,99.05,18.85", "98.95,18.75,inf,18.85"])
async def test_bbox_that_is_not_finite_is_told_so(client, bbox):
    response = await client.get("/api/v1/requests", params={"bbox": bbox})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["message"] == (
        "bbox must be four finite numbers: min_lon,min_lat,max_lon,max_lat."
    )
    assert "ค่าจำกัด" in error["message_th"]


async def test_unknown_category_is_refused_listing_the_categories(client):
    response = await client.get("/api/v1/requests", params={"category": "nonsense"})
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "category"
    assert error["message"].startswith("category must be one of: ")
    assert "oxygen" in error["message"] and "food_supplies" in error["message"]
    assert error["message_th"].startswith("ประเภท")
    assert "oxygen" in error["message_th"]


async def test_status_category_and_urgency_filters(client, session):
    food = await make_request(session)
    oxygen = await make_request(session, category="oxygen", urgency="red")
    medicine = await make_request(session, category="medicine", urgency="yellow")
    claimer = await make_user(session, roles=[Role.VOLUNTEER])
    await put_in_status(session, medicine, "claimed", claimed_by=claimer)

    assert await listed(client, status="open") == [oxygen.id, food.id]
    assert await listed(client, status="claimed") == [medicine.id]
    assert await listed(client, status="open,claimed") == [medicine.id, oxygen.id, food.id]
    assert await listed(client, category="oxygen") == [oxygen.id]
    assert await listed(client, category=["oxygen", "food_supplies"]) == [oxygen.id, food.id]
    assert await listed(client, urgency="red") == [oxygen.id]
    assert await listed(client, urgency="yellow", status="open") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"status": "open,lost"}, "status"),
        ({"urgency": "panic"}, "urgency"),
        ({"category": "no_such_category"}, "category"),
        ({"category": "oxygen,nonsense"}, "category"),
        ({"area": "5"}, "area"),
        ({"area": "chiang mai"}, "area"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"cursor": "abc"}, "cursor"),
        ({"cursor": 0}, "cursor"),
    ],
)
async def test_bad_list_filter_is_refused_naming_it(client, session, params, field):
    response = await client.get("/api/v1/requests", params=params)
    assert response.status_code == 422, response.text
    assert field in field_names(response)


async def test_area_filter_at_province_and_district_level(client, session):
    city = await make_request(session, **CHIANG_MAI)
    chom_thong = await make_request(session, **CHOM_THONG)
    assert await listed(client, area="50") == [chom_thong.id, city.id]
    assert await listed(client, area="5001") == [city.id]
    assert await listed(client, area="5002") == [chom_thong.id]
    assert await listed(client, area="10") == []


async def test_cursor_pages_through_every_request_once(client, session):
    created = [await make_request(session) for _ in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/requests", params=params)).json()
        seen += [r["id"] for r in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [r.id for r in reversed(created)]
    assert pages == 3


async def test_exactly_a_full_last_page_has_no_next_cursor(client, session):
    for _ in range(2):
        await make_request(session)
    page = (await client.get("/api/v1/requests", params={"limit": 2})).json()
    assert len(page["items"]) == 2
    assert page["next_cursor"] is None


async def test_mine_lists_only_the_requesters_own_requests_in_full(client, session):
    requester, headers = await signed_in(session)
    own = [await make_request(session, requester=requester) for _ in "ab"]
    await make_request(session)  # someone else's
    response = await client.get("/api/v1/requests/mine", headers=headers)
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()] == [own[1].id, own[0].id]
    assert response.json()[0]["contact_phone"] == requester.phone


async def test_mine_needs_sign_in(client, session):
    assert (await client.get("/api/v1/requests/mine")).status_code == 401


async def test_tasks_list_what_the_volunteer_took_and_has_not_finished(client, session):
    profile, headers = await volunteer(session)
    claimer = await make_user(session, roles=[Role.VOLUNTEER])
    mine = [await make_request(session) for _ in range(4)]
    helper = profile.user
    await put_in_status(session, mine[0], "claimed", claimed_by=helper)
    await put_in_status(session, mine[1], "in_progress", claimed_by=helper)
    await put_in_status(session, mine[2], "resolved", claimed_by=helper)
    await put_in_status(session, mine[3], "claimed", claimed_by=claimer)  # someone else's
    response = await client.get("/api/v1/requests/tasks", headers=headers)
    assert response.status_code == 200, response.text
    assert [r["id"] for r in response.json()] == [mine[1].id, mine[0].id]
    assert response.json()[0]["description"] == "No rice left since the flood"


async def test_claimed_request_shows_in_the_volunteers_tasks(client, session):
    help_request = await make_request(session)
    _profile, headers = await volunteer(session)
    await client.post(f"/api/v1/requests/{help_request.id}/claim", headers=headers)
    tasks = await client.get("/api/v1/requests/tasks", headers=headers)
    assert [r["id"] for r in tasks.json()] == [help_request.id]


async def test_tasks_are_for_volunteers(client, session):
    _requester, headers = await signed_in(session)
    assert (await client.get("/api/v1/requests/tasks", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/requests/tasks")).status_code == 401


async def test_staff_list_of_their_area_is_full_and_another_area_public(client, session):
    await make_request(session)
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    headers = await bearer(session, staff)
    own_area = await client.get("/api/v1/requests", params={"area": "5001"}, headers=headers)
    assert "contact_phone" in own_area.json()["items"][0]
    province = await client.get("/api/v1/requests", params={"area": "50"}, headers=headers)
    assert "contact_phone" not in province.json()["items"][0]
    everything = await client.get("/api/v1/requests", headers=headers)
    assert "contact_phone" not in everything.json()["items"][0]


HUGE = 99_999_999_999  # beyond a 32-bit id column


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("GET", f"/api/v1/requests/{HUGE}", None, "request_id"),
        ("GET", f"/api/v1/requests/{HUGE}/events", None, "request_id"),
        ("GET", f"/api/v1/requests?cursor={HUGE}", None, "cursor"),
        ("POST", f"/api/v1/requests/{HUGE}/claim", None, "request_id"),
        ("POST", "/api/v1/requests/{id}/assign", {"volunteer_id": HUGE}, "volunteer_id"),
        ("POST", "/api/v1/requests/{id}/merge", {"keep_id": HUGE}, "keep_id"),
    ],
)
async def test_ids_too_large_for_the_database_are_bad_input_not_a_500(
    client, session, method, url, body, field
):
    help_request = await make_request(session)
    staff = await make_user(session, roles=[Role.COORDINATOR, Role.VOLUNTEER], area_code="5001")
    response = await client.request(
        method,
        url.format(id=help_request.id),
        json=body,
        headers=await bearer(session, staff),
    )
    assert response.status_code == 422, response.text
    assert field in field_names(response)
