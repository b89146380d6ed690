"""A client that leaves while its body is being read is logged as gone, never as our 500."""

import pytest
from structlog.testing import capture_logs

from tests.factories import signed_in


async def _send_half_then_leave(app, *, method: str, path: str, headers: dict[str, str]) -> list:
    """Call the app as a server would, the client disconnecting after half its body."""
    body = b'{"channels": ["sms"], "quiet_start": 2'
    incoming = [
        {"type": "http.request", "body": body, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict] = []

    async def receive() -> dict:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(
    ("method", "path", "content_type"),
    [
        ("PUT", "/api/v1/me/notifications", "application/json"),  # read by the route
        ("POST", "/account/notifications", "application/x-www-form-urlencoded"),  # by CSRF
    ],
)
async def test_a_client_gone_mid_body_is_logged_as_gone_not_as_a_500(
    app, session, method, path, content_type
):
    _user, auth = await signed_in(session)
    headers = {**auth, "content-type": content_type, "content-length": "400"}
    with capture_logs() as logs:
        sent = await _send_half_then_leave(app, method=method, path=path, headers=headers)
    events = [entry["event"] for entry in logs]
    assert "unhandled_error" not in events
    assert "client_disconnected" in events, logs
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert statuses == [499]
