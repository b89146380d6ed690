"""Open live-update streams per client are capped, and every ended stream gives its slot back."""

import asyncio

import httpx

from jitasa.main import create_app
from jitasa.realtime.router import StreamSlots
from tests.factories import signed_in
from tests.realtime.conftest import READ_SECONDS, STREAM, live_settings, open_stream, serving

REPLAY_AND_END = {"last_event_id": 0, "follow": "false"}


async def test_a_client_at_its_cap_is_refused_until_one_closes(client, app):
    cap = app.state.settings.event_streams_per_client
    slots = app.state.stream_slots
    slots.open["address:127.0.0.1"] = cap  # as if this address held `cap` streams open
    try:
        refused = await client.get(STREAM, params=REPLAY_AND_END)
        assert refused.status_code == 429
        problem = refused.json()
        assert problem["code"] == "events.too_many_streams"
        assert str(cap) in problem["detail"] and str(cap) in problem["detail_th"]
        assert refused.headers["Retry-After"]
        slots.open["address:127.0.0.1"] = cap - 1
        assert (await client.get(STREAM, params=REPLAY_AND_END)).status_code == 200
        assert slots.open["address:127.0.0.1"] == cap - 1  # the ended stream gave its slot back
    finally:
        slots.open.clear()


async def test_signed_in_users_are_counted_apart_from_their_address(client, app, session):
    user, headers = await signed_in(session)
    app.state.stream_slots.open["address:127.0.0.1"] = app.state.settings.event_streams_per_client
    try:
        response = await client.get(STREAM, params=REPLAY_AND_END, headers=headers)
        assert response.status_code == 200
        assert f"user:{user.id}" not in app.state.stream_slots.open
    finally:
        app.state.stream_slots.open.clear()


def test_slots_are_released_once_each():
    slots = StreamSlots()
    releases = [slots.take("address:a", 2), slots.take("address:a", 2)]
    releases.pop()()
    assert slots.open == {"address:a": 1}
    releases.pop()()
    assert slots.open == {}


async def test_an_open_stream_holds_its_slot_until_the_client_goes(settings, engine):
    app = create_app(live_settings(settings, event_streams_per_client=1))
    with serving(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=READ_SECONDS) as client:
            async with open_stream(client):
                assert app.state.stream_slots.open == {"address:127.0.0.1": 1}
                second = await client.get(STREAM, params=REPLAY_AND_END)
                assert second.status_code == 429
            async with asyncio.timeout(READ_SECONDS):  # the server notices the disconnect
                while app.state.stream_slots.open:
                    await asyncio.sleep(0.05)
            async with open_stream(client):
                assert app.state.stream_slots.open == {"address:127.0.0.1": 1}
