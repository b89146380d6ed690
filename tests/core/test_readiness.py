"""An un-migrated database is 'not ready' (503 `server.not_ready`), never 'busy, retry' nor 500."""

from collections.abc import AsyncIterator

import httpx
import pytest

from jitasa.core.config import Settings
from jitasa.core.db import create_engine
from jitasa.main import create_app
from jitasa.migrate import upgrade


@pytest.fixture
async def empty_client(tmp_path, fresh_database_url) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real app pointed at a database nobody has migrated."""
    app = create_app(Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await app.state.message_sender.aclose()
    await app.state.throttle.aclose()
    await app.state.engine.dispose()


def assert_not_ready(response: httpx.Response) -> None:
    """Check a response is the 'not ready' problem, in English and Thai, with no Retry-After."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "server.not_ready"
    assert "upgraded" in problem["detail"]
    assert problem["detail_th"] != problem["detail"]
    assert "retry-after" not in response.headers


async def test_readyz_reports_an_unmigrated_database_as_not_ready(empty_client):
    assert_not_ready(await empty_client.get("/readyz"))


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/requests", None),
        ("GET", "/api/v1/map?bbox=98.9,18.7,99.1,18.9&zoom=12", None),
        ("GET", "/api/v1/areas/50", None),
        ("POST", "/api/v1/auth/otp", {"phone": "0812345678"}),
    ],
)
async def test_api_on_an_unmigrated_database_answers_not_ready(empty_client, method, path, body):
    assert_not_ready(await empty_client.request(method, path, json=body))


async def test_readyz_is_ready_once_the_database_is_upgraded(tmp_path, fresh_database_url):
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    engine = create_engine(settings)
    await upgrade(engine)
    await engine.dispose()
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    await app.state.engine.dispose()
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})
