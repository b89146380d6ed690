"""Ids in paths beyond what the database holds are bad input (422), never a 500."""

import pytest

from tests.factories import signed_in


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/volunteers/99999999999"),
        ("DELETE", "/api/v1/tokens/99999999999"),
        ("GET", "/api/v1/requests/99999999999"),
        ("GET", "/api/v1/volunteers/0"),
        ("POST", "/api/v1/requests/-99999999999999999999999/merge"),
    ],
)
async def test_out_of_range_id_is_a_422_naming_it(client, session, method, path):
    _, headers = await signed_in(session, roles=["admin"])
    response = await client.request(method, path, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].endswith("_id")


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/volunteers?cursor=99999999999", "cursor"),
        ("/api/v1/audit?before_id=99999999999", "before_id"),
        ("/api/v1/requests?cursor=99999999999", "cursor"),
    ],
)
async def test_out_of_range_cursor_is_a_422_naming_it(client, session, path, field):
    _, headers = await signed_in(session, roles=["admin"])
    response = await client.get(path, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
