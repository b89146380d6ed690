"""The live-update stream over real HTTP: events after API changes, filters, views, resuming."""

from contextlib import AsyncExitStack

from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role
from tests.factories import signed_in
from tests.help_requests.helpers import CHIANG_MAI, CHOM_THONG, sos
from tests.realtime.conftest import open_stream

PERSONAL = {
    "contact_name": "คุณยายสมศรี",
    "contact_phone": "089 765 4321",
    "description": "Grandma is short of breath",
}
PRIVATE_FIELDS = {"contact_name", "contact_phone", "description", "address_text", "requester_id"}
CHIANG_MAI_CITY = "98.9,18.7,99.1,18.9"


async def post_sos(live, headers: dict, **overrides: object) -> dict:
    """Create a request through the served API; return it as created."""
    response = await live.post("/api/v1/requests", json=sos(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_request_created_through_the_api_reaches_an_open_stream(live, session):
    _requester, headers = await signed_in(session)
    async with open_stream(live) as stream:
        created = await post_sos(live, headers)
        (event,) = await stream.events(1)
        assert event.event == "request.created"
        assert event.data["id"] == created["id"]
        assert event.data["status"] == "open"
        assert (event.data["lat"], event.data["lon"]) == (
            created["public_lat"],
            created["public_lon"],
        )

        cancelled = await live.post(
            f"/api/v1/requests/{created['id']}/transition",
            json={"to": "cancelled"},
            headers=headers,
        )
        assert cancelled.status_code == 200, cancelled.text
        (update,) = await stream.events(1)
    assert update.event == "request.updated"
    assert update.id > event.id
    assert (update.data["id"], update.data["status"]) == (created["id"], "cancelled")


async def test_bbox_and_area_keep_only_the_events_inside(live, session):
    _requester, headers = await signed_in(session)
    async with AsyncExitStack() as streams:
        city = await streams.enter_async_context(open_stream(live, bbox=CHIANG_MAI_CITY))
        chom_thong = await streams.enter_async_context(open_stream(live, area="5002"))
        province = await streams.enter_async_context(open_stream(live, area="50"))
        bangkok = await streams.enter_async_context(open_stream(live, area="10"))
        outside = await post_sos(live, headers, **CHOM_THONG)
        inside = await post_sos(live, headers, **CHIANG_MAI)
        outside_again = await post_sos(live, headers, **CHOM_THONG)
        bangkok_request = await post_sos(live, headers, lat=13.7563, lon=100.5018)

        # Each stream's events come in order, so what a stream skipped never shows up later.
        assert [e.data["id"] for e in await city.events(1)] == [inside["id"]]
        assert [e.data["id"] for e in await chom_thong.events(2)] == [
            outside["id"],
            outside_again["id"],
        ]
        assert [e.data["id"] for e in await province.events(3)] == [
            outside["id"],
            inside["id"],
            outside_again["id"],
        ]
        assert [e.data["id"] for e in await bangkok.events(1)] == [bangkok_request["id"]]


async def test_bad_filters_are_refused_by_name(client):
    bad_bbox = await client.get("/api/v1/events/stream", params={"bbox": "98.9,18.7,99.1"})
    assert bad_bbox.status_code == 422
    assert [e["field"] for e in bad_bbox.json()["errors"]] == ["bbox"]
    inverted = await client.get("/api/v1/events/stream", params={"bbox": "99.1,18.7,98.9,18.9"})
    assert [e["field"] for e in inverted.json()["errors"]] == ["bbox"]
    malformed_area = await client.get("/api/v1/events/stream", params={"area": "5"})
    assert malformed_area.status_code == 422
    assert [e["field"] for e in malformed_area.json()["errors"]] == ["area"]
    unknown_area = await client.get("/api/v1/events/stream", params={"area": "9901"})
    assert unknown_area.status_code == 404
    assert unknown_area.json()["code"] == "areas.not_found"
    bad_id = await client.get("/api/v1/events/stream", headers={"Last-Event-ID": "x"})
    assert bad_id.status_code == 422
    assert [e["field"] for e in bad_id.json()["errors"]] == ["Last-Event-ID"]


async def test_only_staff_of_the_area_get_the_full_view(live, session):
    _requester, requester = await signed_in(session)
    _stranger, stranger = await signed_in(session)
    staff_inside, inside = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    staff_50, province = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    staff_outside, outside = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    viewers = {
        "anonymous": {},
        "stranger": stranger,
        "staff of 5001": inside,
        "staff of 50": province,
        "staff of 5002": outside,
    }
    async with AsyncExitStack() as opened:
        streams = {
            name: await opened.enter_async_context(open_stream(live, headers=headers))
            for name, headers in viewers.items()
        }
        created = await post_sos(live, requester, **CHIANG_MAI, **PERSONAL)
        seen = {name: (await stream.events(1))[0].data for name, stream in streams.items()}

    for name in ("anonymous", "stranger", "staff of 5002"):
        public = seen[name]
        assert public["id"] == created["id"], name
        assert not PRIVATE_FIELDS & set(public), name
        assert (public["lat"], public["lon"]) == (created["public_lat"], created["public_lon"])
        assert (public["lat"], public["lon"]) != (CHIANG_MAI["lat"], CHIANG_MAI["lon"])
        assert "897654321" not in str(public).replace(" ", "") and "Grandma" not in str(public), (
            name
        )
    for name in ("staff of 5001", "staff of 50"):
        full = seen[name]
        assert full["contact_phone"] == "+66897654321", name
        assert full["description"] == PERSONAL["description"], name
        assert (full["lat"], full["lon"]) == (CHIANG_MAI["lat"], CHIANG_MAI["lon"]), name
    # Opening a stream that can carry full views is audited, for staff only.
    audited = await session.scalars(
        select(AuditEntry.actor_id).where(AuditEntry.action == "personal_data.stream")
    )
    assert sorted(audited) == sorted(u.id for u in (staff_inside, staff_50, staff_outside))


async def test_last_event_id_replays_exactly_the_missed_events_then_goes_live(live, session):
    _requester, headers = await signed_in(session)
    async with open_stream(live) as stream:
        seen = [await post_sos(live, headers) for _ in range(2)]
        events = await stream.events(2)
    assert [e.data["id"] for e in events] == [r["id"] for r in seen]
    missed = [await post_sos(live, headers) for _ in range(3)]

    async with open_stream(live, headers={"Last-Event-ID": str(events[-1].id)}) as stream:
        replayed = await stream.events(3)
        later = await post_sos(live, headers)
        (live_event,) = await stream.events(1)
    assert [e.data["id"] for e in replayed] == [r["id"] for r in missed]
    assert [e.event for e in replayed] == ["request.created"] * 3
    assert live_event.data["id"] == later["id"]

    # A polyfill's query parameter, and `follow=false` to end once the missed events are sent.
    async with open_stream(live, last_event_id=events[0].id, follow="false") as stream:
        rest = await stream.rest()
    assert [e.data["id"] for e in rest] == [r["id"] for r in [seen[1], *missed, later]]
    # The header a browser sends on reconnecting wins over an id left in the URL.
    async with open_stream(
        live, last_event_id=0, follow="false", headers={"Last-Event-ID": str(rest[-2].id)}
    ) as stream:
        assert [e.data["id"] for e in await stream.rest()] == [later["id"]]


async def test_replay_keeps_to_the_filters_and_the_viewer(live, session):
    _requester, headers = await signed_in(session)
    _staff, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    far = await post_sos(live, headers, **CHOM_THONG, **PERSONAL)
    near = await post_sos(live, headers, **CHIANG_MAI, **PERSONAL)

    async with open_stream(live, last_event_id=0, follow="false", area="5002") as stream:
        (public,) = await stream.rest()
    async with open_stream(
        live, last_event_id=0, follow="false", bbox=CHIANG_MAI_CITY, headers=staff
    ) as stream:
        (other_area,) = await stream.rest()
    async with open_stream(live, last_event_id=0, follow="false", headers=staff) as stream:
        both = await stream.rest()
    assert public.data["id"] == far["id"] and not PRIVATE_FIELDS & set(public.data)
    assert other_area.data["id"] == near["id"] and not PRIVATE_FIELDS & set(other_area.data)
    assert [e.data["id"] for e in both] == [far["id"], near["id"]]
    assert both[0].data["contact_phone"] == "+66897654321"
    assert not PRIVATE_FIELDS & set(both[1].data)


async def test_an_idle_stream_gets_heartbeats(live):
    async with open_stream(live) as stream:
        await stream.heartbeat()
        await stream.heartbeat()
    assert stream.heartbeats >= 2
