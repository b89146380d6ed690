"""Staff sign-in, the current user, API tokens and user administration."""

from sqlalchemy import select

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import ApiToken
from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role

PASSWORD = "correct horse battery"


async def make(
    session, phone: str, roles: set[Role], area_code: str | None = None, password: str | None = None
):
    """Create a user and commit."""
    user = await accounts_service.save_user(
        session, phone=phone, roles=roles, area_code=area_code, password=password
    )
    await session.commit()
    return user


async def bearer(session, user) -> dict[str, str]:
    """Return headers authenticating as the user with a new API token."""
    _, plaintext = await accounts_service.create_token(session, user=user, name="test")
    await session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


async def test_staff_sign_in_with_password_then_me(client, session):
    await make(session, "+66812340001", {Role.COORDINATOR}, "5001", PASSWORD)
    response = await client.post(
        "/api/v1/auth/login", json={"username": "081 234 0001", "password": PASSWORD}
    )
    assert response.status_code == 200
    me = (await client.get("/api/v1/me")).json()
    assert me["phone"] == "+66812340001"
    assert me["roles"] == ["coordinator", "requester"]
    assert me["area_code"] == "5001"
    assert "password_hash" not in me
    signed_in = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "auth.signed_in")
    )
    assert signed_in.details == {"method": "password"}


async def test_wrong_password_and_unknown_phone_get_the_same_401(client, session):
    await make(session, "+66812340002", {Role.ADMIN}, None, PASSWORD)
    wrong = await client.post(
        "/api/v1/auth/login", json={"username": "0812340002", "password": "nope nope nope"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"username": "0899999999", "password": PASSWORD}
    )
    garbage = await client.post(
        "/api/v1/auth/login", json={"username": "not a phone", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == garbage.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == garbage.json()["detail"]


async def test_logout_ends_the_session(client, session):
    await make(session, "+66812340003", {Role.ADMIN}, None, PASSWORD)
    await client.post("/api/v1/auth/login", json={"username": "0812340003", "password": PASSWORD})
    csrf = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
    assert (
        await client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    ).status_code == 204
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_me_without_signing_in_is_401_problem(client):
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


async def test_api_token_is_stored_hashed_used_and_revocable(client, session):
    user = await make(session, "+66812340004", {Role.VOLUNTEER})
    headers = await bearer(session, user)
    created = await client.post("/api/v1/tokens", json={"name": "hospital system"}, headers=headers)
    assert created.status_code == 201
    secret = created.json()["token"]
    stored = (await session.scalars(select(ApiToken.token_hash))).all()
    assert secret not in stored and all(len(h) == 64 for h in stored)

    own = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/me", headers=own)).json()["id"] == user.id
    listed = (await client.get("/api/v1/tokens", headers=headers)).json()
    new = next(t for t in listed if t["name"] == "hospital system")
    assert new["last_used_at"] is not None and "token" not in new

    revoked = await client.delete(f"/api/v1/tokens/{new['id']}", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    after = await client.get("/api/v1/me", headers=own)
    assert after.status_code == 401
    assert after.json()["code"] == "auth.bad_token"


async def test_someone_elses_token_cannot_be_revoked(client, session):
    owner = await make(session, "+66812340005", {Role.VOLUNTEER})
    other = await make(session, "+66812340006", {Role.VOLUNTEER})
    token, _ = await accounts_service.create_token(session, user=owner, name="mine")
    await session.commit()
    response = await client.delete(
        f"/api/v1/tokens/{token.id}", headers=await bearer(session, other)
    )
    assert response.status_code == 404


async def test_admin_grants_a_coordinator_role_and_it_is_audited(client, session):
    admin = await make(session, "+66812340007", {Role.ADMIN})
    response = await client.post(
        "/api/v1/users",
        json={"phone": "089-000-1111", "roles": ["coordinator"], "area_code": "50"},
        headers=await bearer(session, admin),
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["coordinator", "requester"]
    change = await session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "user.roles_changed")
        .order_by(AuditEntry.id.desc())
    )
    assert change.actor_id == admin.id
    assert change.subject_id == str(response.json()["id"])
    assert change.details["after"] == {"roles": ["coordinator", "requester"], "area_code": "50"}


async def test_coordinator_without_area_or_with_unknown_area_is_refused(client, session):
    headers = await bearer(session, await make(session, "+66812340008", {Role.ADMIN}))
    no_area = await client.post(
        "/api/v1/users", json={"phone": "0890001112", "roles": ["coordinator"]}, headers=headers
    )
    assert no_area.json()["code"] == "users.coordinator_needs_area"
    unknown = await client.post(
        "/api/v1/users",
        json={"phone": "0890001112", "roles": ["coordinator"], "area_code": "9999"},
        headers=headers,
    )
    assert unknown.status_code == 404


async def test_bad_phone_is_a_422_naming_phone(client, session):
    headers = await bearer(session, await make(session, "+66812340009", {Role.ADMIN}))
    for phone in ("12345", "+1 415 555 2671", "๐๘๑"):
        response = await client.post(
            "/api/v1/users", json={"phone": phone, "roles": ["admin"]}, headers=headers
        )
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["phone"]


async def test_only_admins_manage_users(client, session):
    coordinator = await make(session, "+66812340010", {Role.COORDINATOR}, "50")
    response = await client.post(
        "/api/v1/users",
        json={"phone": "0890001113", "roles": ["admin"]},
        headers=await bearer(session, coordinator),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.forbidden"
