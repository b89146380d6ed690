"""The coordinator's desk: the queue's order and filters, bulk closing, and who may see it."""

import re

import pytest

from jitasa.core.words import Role
from tests.dashboard.helpers import HTML, aged
from tests.factories import signed_in
from tests.help_requests.helpers import CHOM_THONG, events_of, reload, volunteer
from tests.help_requests.test_request_pages import sign_in


def queue_codes(page: str) -> list[str]:
    """Return the request codes of the desk's queue, in the order shown."""
    return re.findall(r'data-code="([^"]+)"', page)


async def test_queue_puts_past_sla_first_then_urgency_then_age(client, session):
    normal_old = await aged(session, minutes=600, urgency="normal")
    red_new = await aged(session, minutes=5, category="oxygen", urgency="red")
    urgent_waiting = await aged(session, minutes=360, urgency="urgent", past_sla=True)
    red_older = await aged(session, minutes=30, category="oxygen", urgency="red")
    late_normal = await aged(session, minutes=2000, urgency="normal", past_sla=True)
    await aged(session, minutes=50, status="resolved")  # finished: not in the queue
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")

    page = await client.get("/desk", headers=HTML)

    assert page.status_code == 200
    assert queue_codes(page.text) == [
        urgent_waiting.code,  # past its limit, and more urgent than the other one past it
        late_normal.code,
        red_older.code,  # then by urgency, the older first
        red_new.code,
        normal_old.code,
    ]
    assert "เกินเวลาที่กำหนด" in page.text


async def test_queue_filters_by_child_area_category_urgency_and_status(client, session):
    in_city = await aged(session, minutes=10)
    in_chom_thong = await aged(session, minutes=10, **CHOM_THONG)
    oxygen = await aged(session, minutes=10, category="oxygen", urgency="red")
    done = await aged(session, minutes=10, status="resolved")
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")

    async def codes(query: str) -> set[str]:
        return set(queue_codes((await client.get(f"/desk?{query}", headers=HTML)).text))

    assert await codes("area=5002") == {in_chom_thong.code}
    assert await codes("category=oxygen") == {oxygen.code}
    assert await codes("urgency=urgent") == {in_city.code, in_chom_thong.code}
    assert await codes("status=resolved") == {done.code}


async def test_desk_refuses_outside_the_scope_and_unknown_areas(client, session):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5002")
    assert (await client.get("/desk?area=5001", headers=HTML)).status_code == 403
    assert (await client.get("/desk?area=9999", headers=HTML)).status_code == 404
    assert (await client.get("/desk?area=abc", headers=HTML)).status_code == 422


@pytest.mark.parametrize("query", ["category=nonsense", "urgency=panic", "status=lost"])
async def test_desk_refuses_an_unknown_filter_naming_it(client, session, query):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    page = await client.get(f"/desk?{query}", headers=HTML)
    assert page.status_code == 422
    assert "ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้" in page.text
    english = await client.get(f"/desk?{query}&lang=en", headers=HTML)
    assert "must be one of:" in english.text


async def test_volunteers_and_visitors_do_not_get_a_desk(client, session):
    anonymous = await client.get("/desk", headers=HTML)
    assert anonymous.headers["location"] == "/staff/signin?next=/desk"
    await sign_in(client, session, roles=[Role.VOLUNTEER])
    assert (await client.get("/desk", headers=HTML)).status_code == 403


async def test_bulk_close_with_a_reason_and_as_duplicates(client, session):
    first, second, keep, dup = [await aged(session, minutes=5) for _ in range(4)]
    elsewhere = await aged(session, minutes=5, **CHOM_THONG)
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    closed = await client.post(
        "/api/v1/requests/bulk-close",
        json={"request_ids": [first.id, second.id, elsewhere.id], "reason": "unreachable"},
        headers=headers,
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["closed"] == [first.id, second.id]
    assert [(r["request_id"], r["code"]) for r in closed.json()["refused"]] == [
        (elsewhere.id, "auth.out_of_area")
    ]
    for r in (first, second):
        row = await reload(session, r.id)
        assert (row.status, row.close_reason) == ("closed", "unreachable")
    assert (await reload(session, elsewhere.id)).status == "open"

    merged = await client.post(
        "/api/v1/requests/bulk-close",
        json={"request_ids": [dup.id], "reason": "duplicate", "keep_id": keep.id},
        headers=headers,
    )
    assert merged.json() == {"closed": [dup.id], "refused": [], "taken": []}
    row = await reload(session, dup.id)
    assert (row.status, row.merged_into_id) == ("closed", keep.id)
    assert [e.kind for e in await events_of(session, keep.id)][-1] == "merged"
    assert coordinator.id in {e.actor_id for e in await events_of(session, dup.id)}


async def test_bulk_close_is_checked_like_any_input(client, session):
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    for body in ({"request_ids": [], "reason": "duplicate"}, {"request_ids": [1], "reason": "x"}):
        response = await client.post("/api/v1/requests/bulk-close", json=body, headers=headers)
        assert response.status_code == 422
    # Duplicates of nothing, or a kept request with another reason: told on keep_id.
    mine, keep = [await aged(session, minutes=5) for _ in range(2)]
    for body in (
        {"request_ids": [mine.id], "reason": "duplicate"},
        {"request_ids": [mine.id], "reason": "unreachable", "keep_id": keep.id},
    ):
        response = await client.post("/api/v1/requests/bulk-close", json=body, headers=headers)
        assert response.status_code == 422, body
        assert [e["field"] for e in response.json()["errors"]] == ["keep_id"]
        assert "duplicate" in response.json()["detail"]
    assert (await reload(session, mine.id)).status == "open"


async def test_bulk_close_answers_each_id_once_and_out_of_area_as_the_single_actions(
    client, session
):
    mine, keep = [await aged(session, minutes=5) for _ in range(2)]
    elsewhere = await aged(session, minutes=5, **CHOM_THONG)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    closed = await client.post(
        "/api/v1/requests/bulk-close",
        json={
            "request_ids": [mine.id, elsewhere.id, mine.id, elsewhere.id],
            "reason": "unreachable",
        },
        headers=headers,
    )
    assert closed.json()["closed"] == [mine.id]
    assert [(r["request_id"], r["code"]) for r in closed.json()["refused"]] == [
        (elsewhere.id, "auth.out_of_area")
    ]

    # Merging a duplicate outside the area: refused as the single merge refuses it.
    merged = await client.post(
        "/api/v1/requests/bulk-close",
        json={"request_ids": [elsewhere.id], "reason": "duplicate", "keep_id": keep.id},
        headers=headers,
    )
    single = await client.post(
        f"/api/v1/requests/{elsewhere.id}/merge", json={"keep_id": keep.id}, headers=headers
    )
    closing = await client.post(
        f"/api/v1/requests/{elsewhere.id}/transition",
        json={"to": "closed", "reason": "unreachable"},
        headers=headers,
    )
    assert [r["code"] for r in merged.json()["refused"]] == ["auth.out_of_area"]
    assert (single.status_code, single.json()["code"]) == (403, "auth.out_of_area")
    assert (closing.status_code, closing.json()["code"]) == (403, "auth.out_of_area")
    assert "5002" not in single.json()["detail"] and "5001" in single.json()["detail"]
    assert (await reload(session, elsewhere.id)).status == "open"

    # Merging into a kept request outside the area: the whole call is refused, for it.
    into_elsewhere = await client.post(
        "/api/v1/requests/bulk-close",
        json={"request_ids": [keep.id], "reason": "duplicate", "keep_id": elsewhere.id},
        headers=headers,
    )
    assert (into_elsewhere.status_code, into_elsewhere.json()["code"]) == (403, "auth.out_of_area")
    assert (await reload(session, keep.id)).status == "open"


async def test_bulk_close_leaves_requests_a_volunteer_holds_unless_asked(client, session):
    waiting, claimed, under_way = [await aged(session, minutes=5) for _ in range(3)]
    helper, _helper_headers = await volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    for held in (claimed, under_way):
        assigned = await client.post(
            f"/api/v1/requests/{held.id}/assign",
            json={"volunteer_id": helper.id},
            headers=headers,
        )
        assert assigned.status_code == 200, assigned.text
    started = await client.post(
        f"/api/v1/requests/{under_way.id}/transition", json={"to": "in_progress"}, headers=headers
    )
    assert started.status_code == 200, started.text
    body = {"request_ids": [waiting.id, claimed.id, under_way.id], "reason": "no_longer_needed"}

    plain = await client.post("/api/v1/requests/bulk-close", json=body, headers=headers)

    assert plain.json()["closed"] == [waiting.id]
    assert plain.json()["taken"] == []
    refused = plain.json()["refused"]
    assert [(r["request_id"], r["code"]) for r in refused] == [
        (claimed.id, "request.taken"),
        (under_way.id, "request.taken"),
    ]
    assert claimed.code in refused[0]["detail"] and "อาสาสมัคร" in refused[0]["detail_th"]
    assert (await reload(session, claimed.id)).status == "claimed"
    assert (await reload(session, under_way.id)).status == "in_progress"

    body |= {"request_ids": [claimed.id, under_way.id], "close_taken": True}
    forced = await client.post("/api/v1/requests/bulk-close", json=body, headers=headers)

    assert forced.json() == {
        "closed": [claimed.id, under_way.id],
        "refused": [],
        "taken": [claimed.id, under_way.id],
    }
    for r in (claimed, under_way):
        assert (await reload(session, r.id)).status == "closed"
