"""The application shell: health, readiness, metrics, problem documents, request ids."""

import html
import re
import sqlite3
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from jitasa.core.config import Settings
from jitasa.help_requests.models import HelpRequest
from jitasa.main import create_app
from tests.factories import signed_in


async def test_healthz_says_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_checks_the_database(client):
    response = await client.get("/readyz")
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    import httpx

    broken = Settings(
        _env_file=None, data_dir=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none"
    )
    app = create_app(broken)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    await app.state.engine.dispose()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_metrics_count_requests_by_route(client):
    await client.get("/api/v1/areas/50")
    text = (await client.get("/metrics")).text
    assert (
        'jitasa_http_requests_total{method="GET",route="/api/v1/areas/{code}",status="200"}' in text
    )
    assert "jitasa_http_request_seconds_bucket" in text


async def test_every_response_has_a_request_id(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"
    assert len((await client.get("/healthz")).headers["x-request-id"]) == 32


async def test_unknown_api_path_is_a_404_problem(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "http.404"


async def test_wrong_method_is_a_405_problem(client):
    response = await client.delete("/api/v1/areas/50")
    assert response.status_code == 405
    assert response.json()["status"] == 405


async def test_browser_gets_a_friendly_error_page_in_thai(client):
    response = await client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "ไม่พบข้อมูล" in response.text
    assert "Traceback" not in response.text


async def test_openapi_documents_the_areas_api(client):
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/api/v1/areas", "/api/v1/areas/locate", "/api/v1/areas/{code}"} <= set(paths)


async def test_unexpected_failure_is_a_500_problem_without_a_trace(settings, engine):
    import httpx

    app = create_app(settings)  # its own app: the extra route must not leak into other tests

    @app.get("/api/v1/test-explodes", include_in_schema=False)
    async def explode() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/v1/test-explodes")
    await app.state.engine.dispose()
    assert response.status_code == 500
    assert response.json()["code"] == "server.error"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


async def test_a_database_too_busy_to_write_is_a_503_and_nothing_is_saved(
    settings, engine, client, session
):
    if not settings.is_sqlite:
        pytest.skip("holds SQLite's write lock from a second connection")
    _user, headers = await signed_in(session)
    blocker = sqlite3.connect(make_url(settings.sqlalchemy_url).database, timeout=1)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the busy timeout
    try:
        response = await client.post(
            "/api/v1/requests",
            json={"category": "other", "urgency": "normal", "lat": 18.79, "lon": 98.98},
            headers=headers,
        )
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["code"] == "server.busy"
    assert response.json()["detail_th"]
    assert await session.scalar(select(func.count()).select_from(HelpRequest)) == 0


async def test_a_body_that_is_not_json_is_named_as_the_body_not_by_an_offset(client):
    response = await client.post(
        "/api/v1/auth/otp",
        content=b'{"phone":',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["message"] == "The request body is not valid JSON."
    assert error["message_th"] != error["message"]


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/signin?next=/sos", {"next": ["/sos"]}),
        ("/staff/signin?next=/admin/incidents&lang=th", {"next": ["/admin/incidents"]}),
        ("/", {}),
        ("/?phone=0812345678&lat=18.7", {}),  # what the page does not read is not echoed
    ],
)
async def test_the_language_switch_keeps_the_pages_parameters(client, path, kept):
    page = await client.get(path, headers={"Accept": "text/html"})
    link = re.search(r'class="lang-switch" href="([^"]+)"', page.text)[1]
    target = urlsplit(html.unescape(link))
    assert target.path == urlsplit(path).path
    assert parse_qs(target.query) == {**kept, "lang": ["en"]}
    assert "/static/js/language-switch.js" in page.text  # keeps what was typed, too
