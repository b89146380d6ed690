"""Sessions end on the server: a cookie saved before sign-out or an area change is anonymous."""

from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role
from tests.accounts.test_account_pages import HTML, csrf_of
from tests.factories import signed_in

PASSWORD = "correct horse battery"
COOKIE = "jitasa_session"


async def sign_in(client, session, phone: str, roles: set[Role], area_code: str | None) -> str:
    """Sign a staff member in with their password; return the session cookie they got."""
    await accounts_service.save_user(
        session, phone=phone, roles=roles, area_code=area_code, password=PASSWORD
    )
    await session.commit()
    client.cookies.clear()
    response = await client.post(
        "/api/v1/auth/login", json={"username": phone, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return client.cookies[COOKIE]


async def me_with(client, cookie: str):
    """Ask who is signed in, presenting a saved copy of the session cookie."""
    client.cookies.clear()
    client.cookies.set(COOKIE, cookie)
    return await client.get("/api/v1/me")


async def test_a_cookie_saved_before_logout_is_anonymous_after_it(client, session):
    saved = await sign_in(client, session, "+66812349001", {Role.COORDINATOR}, "5001")
    assert (await me_with(client, saved)).status_code == 200
    csrf = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
    logout = await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert logout.status_code == 204

    replayed = await me_with(client, saved)
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "auth.required"


async def test_a_cookie_saved_before_the_pages_signout_is_anonymous_after_it(client, session):
    saved = await sign_in(client, session, "+66812349002", {Role.COORDINATOR}, "5001")
    account = await client.get("/account", headers=HTML)
    out = await client.post("/signout", data={"csrf_token": csrf_of(account)}, headers=HTML)
    assert out.status_code == 303

    assert (await me_with(client, saved)).status_code == 401
    client.cookies.clear()
    client.cookies.set(COOKIE, saved)
    assert (await client.get("/account", headers=HTML)).status_code == 303  # to sign in


async def test_moving_a_coordinator_to_another_area_ends_their_session(client, session):
    saved = await sign_in(client, session, "+66812349003", {Role.COORDINATOR}, "5001")
    _admin, admin = await signed_in(session, roles=[Role.ADMIN])
    client.cookies.clear()
    moved = await client.post(
        "/api/v1/users",
        json={"phone": "+66812349003", "roles": ["coordinator"], "area_code": "5002"},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text

    assert (await me_with(client, saved)).status_code == 401
    again = await sign_in(client, session, "+66812349003", {Role.COORDINATOR}, "5002")
    me = await me_with(client, again)
    assert me.json()["area_code"] == "5002"


async def test_gaining_a_role_keeps_the_session(client, session):
    saved = await sign_in(client, session, "+66812349004", {Role.REQUESTER}, None)
    await accounts_service.save_user(session, phone="+66812349004", roles={Role.VOLUNTEER})
    await session.commit()
    me = await me_with(client, saved)
    assert me.status_code == 200
    assert "volunteer" in me.json()["roles"]
