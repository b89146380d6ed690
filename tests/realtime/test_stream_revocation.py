"""An open stream asks again who is signed in: revoked or signed out, it gets public views."""

import asyncio

from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role
from tests.factories import make_user, signed_in
from tests.realtime.conftest import open_stream
from tests.realtime.test_stream import PERSONAL, PRIVATE_FIELDS, post_sos

PASSWORD = "correct horse battery"
RECHECKED = 0.5  # past the served app's 0.2 s heartbeat, when streams ask again


async def test_a_revoked_tokens_open_stream_stops_sending_full_views(live, session):
    _requester, requester = await signed_in(session)
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    token, plaintext = await accounts_service.create_token(session, user=staff, name="wall")
    await session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}

    async with open_stream(live, headers=headers) as stream:
        await post_sos(live, requester, **PERSONAL)
        [before] = await stream.events(1)
        assert before.data["contact_phone"] == "+66897654321"
        revoked = await live.delete(f"/api/v1/tokens/{token.id}", headers=headers)
        assert revoked.status_code == 200
        await asyncio.sleep(RECHECKED)
        await post_sos(live, requester, **PERSONAL)
        [after] = await stream.events(1)

    assert not PRIVATE_FIELDS & set(after.data)
    assert "897654321" not in str(after.data).replace(" ", "")  # the phone, in any form


async def test_a_signed_out_sessions_open_stream_stops_sending_full_views(live, session):
    _requester, requester = await signed_in(session)
    await accounts_service.save_user(
        session, phone="+66812349101", roles={Role.COORDINATOR}, area_code="50", password=PASSWORD
    )
    await session.commit()
    login = {"username": "+66812349101", "password": PASSWORD}
    assert (await live.post("/api/v1/auth/login", json=login)).status_code == 200

    async with open_stream(live) as stream:  # with the session cookie
        await post_sos(live, requester, **PERSONAL)
        [before] = await stream.events(1)
        assert before.data["contact_phone"] == "+66897654321"
        csrf = (await live.get("/api/v1/auth/csrf")).json()["csrf_token"]
        out = await live.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        await asyncio.sleep(RECHECKED)
        await post_sos(live, requester, **PERSONAL)
        [after] = await stream.events(1)

    assert not PRIVATE_FIELDS & set(after.data)
    assert "897654321" not in str(after.data).replace(" ", "")  # the phone, in any form
