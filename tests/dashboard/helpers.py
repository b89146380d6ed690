"""Dashboard test helpers: requests in a chosen state and age, staff signed in by cookie."""

from datetime import timedelta

from jitasa.core.db import utcnow
from jitasa.help_requests.models import HelpRequest
from tests.help_requests.helpers import make_request

HTML = {"Accept": "text/html"}


async def aged(
    session, *, minutes: float, past_sla: bool = False, status: str = "open", **fields
) -> HelpRequest:
    """Make a request created `minutes` ago, flagged past its limit or not, in a status."""
    help_request = await make_request(session, **fields)
    help_request.created_at = utcnow() - timedelta(minutes=minutes)
    help_request.status = status
    if past_sla:
        help_request.sla_breached_at = utcnow()
    await session.commit()
    return help_request
