"""Errors and documentation: every answer in Thai and English with its headers, OpenAPI as sent.

500 answers carry the security headers and X-Request-ID; 405 says what is allowed; every
status the framework raises by itself is translated; OpenAPI documents problem+json and the
4xx answers; answers that may hold personal data are never cached; /docs works offline and,
with /openapi.json and /metrics, is public only where settings say; HEAD is answered like GET.
"""

import re

import httpx
import pytest
from pydantic import SecretStr

from jitasa.core.i18n import _catalogue
from jitasa.core.problems import HTTP_MESSAGES
from jitasa.core.words import Role
from jitasa.main import create_app
from tests.core.test_read_and_write_sessions import served_routes
from tests.factories import make_volunteer, signed_in
from tests.help_requests.helpers import make_request

STREAM = "/api/v1/events/stream"


async def client_of(app, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    """Return an in-process client of an app of a test's own."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_failure_nobody_foresaw_answers_a_500_with_every_header(settings, engine):
    app = create_app(settings)

    async def broken() -> dict:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken", broken)
    async with await client_of(app) as client:
        response = await client.get("/api/v1/broken", headers={"X-Request-ID": "trace-me"})
    await app.state.engine.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title_th"] == "ระบบขัดข้อง" and "a bug" not in response.text
    assert response.headers["x-request-id"] == "trace-me"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_a_method_not_allowed_says_which_are(client):
    response = await client.post("/api/v1/me")
    assert response.status_code == 405
    assert set(response.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert response.json()["title_th"] != response.json()["title"]


@pytest.mark.parametrize("status", sorted(HTTP_MESSAGES))
def test_every_status_the_framework_raises_is_translated(status):
    thai = _catalogue("th")
    title, message = HTTP_MESSAGES[status]
    assert title in thai and message in thai


async def test_a_body_the_framework_cannot_parse_is_a_translated_400(client):
    response = await client.post(
        "/api/v1/auth/otp", content=b"abc", headers={"content-type": "multipart/form-data"}
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["title_th"] != problem["title"] and problem["detail_th"] != problem["detail"]
    assert "Bad Request" not in response.text


async def test_openapi_documents_problem_documents_and_the_4xx_answers(client):
    schema = (await client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert "Problem" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        assert "head" not in operations
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "403", "429"} | ({"404"} if "{" in path else set())
            if method in ("post", "put", "patch"):
                expected |= {"409", "413", "422"}
            assert expected <= responses.keys(), (method, path)
            for code in expected - {"503"}:
                content = responses[code]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)
    assign = schema["paths"]["/api/v1/requests/{request_id}/assign"]["post"]
    assert "reassign" in str(schema["components"]["schemas"]["AssignIn"])
    assert "409" in assign["responses"]


async def test_docs_are_served_from_the_package_without_inline_script(client):
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower() and "<script>" not in page.text
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert (await client.get(src)).status_code == 200, src
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "http" not in policy


async def test_in_production_docs_schema_and_metrics_are_not_public(settings, engine):
    production = settings.model_copy(
        update={"environment": "production", "secret_key": SecretStr("a-real-secret-for-this-test")}
    )
    app = create_app(production)
    async with await client_of(app, peer="203.0.113.9") as outsider:
        for path in ("/docs", "/openapi.json", "/metrics"):
            assert (await outsider.get(path)).status_code == 404, path
    async with await client_of(app) as local:
        assert (await local.get("/metrics")).status_code == 200  # a Prometheus on the machine
    assert app.openapi()["paths"]  # the schema is still built, for tests and tools
    await app.state.engine.dispose()


@pytest.fixture
async def everything(session) -> tuple[dict[str, str], dict[str, list]]:
    """An admin who is also a volunteer, and real ids to fill paths with."""
    user, headers = await signed_in(session, roles=[Role.ADMIN, Role.VOLUNTEER])
    profile = await make_volunteer(session, user=user)
    help_request = await make_request(session, requester=user)
    ids = {
        "request_id": help_request.id,
        "volunteer_id": profile.id,
        "code": "50",
        "token_id": 1,
        "facility_id": 1,
        "dataset": "public-requests",
        "fmt": "csv",
        "draft": "0" * 32,
        "import_id": 1,
        "kind": "facilities",
    }
    return headers, ids


def _url(path: str, ids: dict) -> str:
    """Fill a path's parameters with real ids."""
    return re.sub(r"{(\w+)(?::\w+)?}", lambda m: str(ids[m[1]]), path)


async def test_no_signed_in_answer_may_be_cached(client, app, everything):
    headers, ids = everything
    for route in served_routes(app):
        if "GET" not in route.methods:
            continue
        params = {"follow": "false", "last_event_id": 0} if route.path == STREAM else {}
        response = await client.get(_url(route.path, ids), headers=headers, params=params)
        assert response.headers.get("cache-control") == "no-store", (route.path, response)


async def test_anonymous_public_answers_may_be_cached_and_pages_may_not(client):
    assert "cache-control" not in (await client.get("/api/v1/incidents")).headers
    assert (await client.get("/")).headers["cache-control"] == "no-store"
    assert "no-store" not in (await client.get("/static/js/api.js")).headers.get(
        "cache-control", ""
    )


async def test_head_is_answered_wherever_get_is(client, app, everything):
    headers, ids = everything
    for route in served_routes(app):
        if "GET" in route.methods:
            response = await client.head(_url(route.path, ids), headers=headers)
            assert response.status_code != 405, route.path
    assert (await client.head("/")).status_code == 200
