"""Send-time checks: is what a waiting notification says still true when its turn comes?

A message may wait for hours (quiet hours, a provider's retries). Before each try the sender
(`jitasa.notifications.delivery`) asks the check of the message's kind; one that answers a
reason withdraws the message instead of sending it. What each kind needs of its request now:

| kind | sent only while the request is |
|---|---|
| new request nearby | open (nobody took it yet) |
| claimed ("X is coming") | claimed or in progress (not released, not closed) |
| picked up | in progress |
| overdue (escalated) | open, claimed or in progress |
| resolved | resolved or closed |

A "verified" message goes only while the volunteer is still verified, a "LINE linked" one only
while that LINE account is still linked to that person. A request that is gone (deleted)
withdraws any message about it.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import Status
from jitasa.notifications import templates
from jitasa.notifications.delivery import still_true
from jitasa.notifications.models import Notification, Preference
from jitasa.volunteers.models import Volunteer

GONE = "the request no longer exists"
# Why a message about a request is withdrawn, by the request's status now (in locales/th.po:
# the request's page shows the reason in the page's language).
NOT_NOW = {
    Status.OPEN: "the request is waiting for a volunteer again",
    Status.CLAIMED: "a volunteer has taken the request",
    Status.IN_PROGRESS: "help is already on the way",
    Status.RESOLVED: "the request is resolved",
    Status.CANCELLED: "the request was cancelled",
    Status.CLOSED: "the request is closed",
    Status.EXPIRED: "the request expired",
}
NOT_VERIFIED = "the volunteer is no longer verified"
NOT_LINKED = "the LINE account is no longer linked to this person"

# The statuses of its request in which a message of each kind is still true.
STILL_TRUE_WHILE: dict[str, frozenset[str]] = {
    templates.NEARBY: frozenset({Status.OPEN}),
    templates.CLAIMED: frozenset({Status.CLAIMED, Status.IN_PROGRESS}),
    templates.PICKED_UP: frozenset({Status.IN_PROGRESS}),
    templates.ESCALATED: frozenset({Status.OPEN, Status.CLAIMED, Status.IN_PROGRESS}),
    templates.RESOLVED: frozenset({Status.RESOLVED, Status.CLOSED}),
}


@still_true(*STILL_TRUE_WHILE)
async def request_still_there(session: AsyncSession, notification: Notification) -> str | None:
    """Return why a message about a request is no longer true, or None to send it."""
    if notification.request_id is None:
        return None
    status = await session.scalar(
        select(HelpRequest.status).where(HelpRequest.id == notification.request_id)
    )
    if status is None:
        return GONE
    if status not in STILL_TRUE_WHILE[notification.kind]:
        return NOT_NOW.get(status, GONE)
    return None


@still_true(templates.VERIFIED)
async def volunteer_still_verified(session: AsyncSession, notification: Notification) -> str | None:
    """Return why a "you are verified" message is no longer true, or None to send it."""
    if notification.user_id is None:
        return None
    verified = await session.scalar(
        select(Volunteer.verified_at).where(Volunteer.user_id == notification.user_id)
    )
    return None if verified is not None else NOT_VERIFIED


@still_true(templates.LINKED)
async def line_still_linked(session: AsyncSession, notification: Notification) -> str | None:
    """Return why a "this LINE account is linked" message is no longer true, or None."""
    if notification.user_id is None:
        return None
    linked = await session.scalar(
        select(Preference.line_user_id).where(Preference.user_id == notification.user_id)
    )
    return None if linked == notification.address else NOT_LINKED
