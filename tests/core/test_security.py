"""Security headers on every response, and CSRF protection of cookie sessions."""

import pytest

from jitasa.accounts import service as accounts_service
from jitasa.core.config import Settings
from jitasa.core.security import content_security_policy
from jitasa.core.words import Role

PASSWORD = "correct horse battery"


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/areas/50", "/api/v1/nothing"])
async def test_every_response_carries_the_security_headers(client, path):
    headers = (await client.get(path)).headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_policy_allows_the_configured_tile_server():
    osm = Settings(_env_file=None)
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in content_security_policy(osm)
    subdomains = Settings(_env_file=None, tile_url="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "https://*.tile.example.org" in content_security_policy(subdomains)


async def test_home_page_has_no_inline_script(client):
    html = (await client.get("/")).text
    for chunk in html.split("<script")[1:]:
        assert chunk.split(">", 1)[0].strip().startswith(("src=", 'type="module" src=')), chunk


async def signed_in_by_password(client, session) -> None:
    """Create a coordinator with a password and sign the client in with a cookie session."""
    await accounts_service.save_user(
        session, phone="+66812345670", roles={Role.COORDINATOR}, area_code="5001", password=PASSWORD
    )
    await session.commit()
    response = await client.post(
        "/api/v1/auth/login", json={"username": "081-234-5670", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


async def test_cookie_session_post_without_csrf_token_is_refused(client, session):
    await signed_in_by_password(client, session)
    response = await client.post("/api/v1/tokens", json={"name": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "auth.csrf"


async def test_cookie_session_post_with_csrf_token_passes(client, session):
    await signed_in_by_password(client, session)
    token = (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]
    response = await client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 201


async def test_wrong_csrf_token_is_refused(client, session):
    await signed_in_by_password(client, session)
    await client.get("/api/v1/auth/csrf")
    response = await client.post(
        "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "forged"}
    )
    assert response.json()["code"] == "auth.csrf"


async def test_session_cookie_is_httponly_and_samesite(client, session):
    await accounts_service.save_user(
        session, phone="+66812345671", roles={Role.ADMIN}, password=PASSWORD
    )
    await session.commit()
    response = await client.post(
        "/api/v1/auth/login", json={"username": "0812345671", "password": PASSWORD}
    )
    cookie = response.headers["set-cookie"]
    assert "jitasa_session=" in cookie
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
