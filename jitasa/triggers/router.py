"""A request's notifications and their delivery, for the coordinators of its area."""

from fastapi import APIRouter

from jitasa.accounts import policy
from jitasa.accounts.deps import SignedInUser
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep
from jitasa.help_requests.deps import ValidRequest
from jitasa.notifications import service as notifications
from jitasa.notifications.models import Notification
from jitasa.notifications.schemas import NotificationOut

router = APIRouter(prefix="/api/v1/requests", tags=["notifications"])


@router.get("/{request_id}/notifications", response_model=list[NotificationOut])
async def request_notifications(
    help_request: ValidRequest, user: SignedInUser, session: SessionDep
) -> list[Notification]:
    """List who was told what about the request, by which channel, and whether it arrived."""
    policy.require(user, Action.MANAGE_REQUESTS, area_code=help_request.area_code)
    return await notifications.of_request(session, request_id=help_request.id)
