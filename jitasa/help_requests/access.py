"""Who plays which part towards a help request, and so who gets its full view.

The full view (name, phone, exact pin, description) is for the requester, the volunteer while
they hold the request, and its area's staff; everyone else gets the public view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import TAKEN, Actor
from jitasa.incidents import service as incidents_service

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User


def actors_of(help_request: HelpRequest, user: User | None) -> set[Actor]:
    """Return the parts the user plays towards this request."""
    if user is None:
        return set()
    actors = set()
    if help_request.requester_id == user.id:
        actors.add(Actor.REQUESTER)
    # A volunteer sees everything while they hold the request, as consent says; once it ends
    # (resolved, cancelled, closed, expired) or is given back, they see what the public sees.
    if help_request.claimed_by_id == user.id and help_request.status in TAKEN:
        actors.add(Actor.CLAIMER)
    if policy.allows(user, Action.MANAGE_REQUESTS, area_code=help_request.area_code):
        actors.add(Actor.AREA_STAFF)
    return actors


def sees_everything(help_request: HelpRequest, user: User | None) -> bool:
    """Tell whether the user gets the full view: requester, claimer or area staff."""
    return bool(actors_of(help_request, user))


def require_full_view(help_request: HelpRequest, user: User | None) -> None:
    """Refuse anyone but the request's requester, its volunteer and its area's staff."""
    if not sees_everything(help_request, user):
        policy.require(user, Action.MANAGE_REQUESTS, area_code=help_request.area_code)


def in_kept_incidents():
    """Condition: the request's incident is not archived.

    An archived incident's requests have left every public reader (the map, the anonymous list,
    the public exports, the dashboard's counts): each one filters with this condition.
    """
    return HelpRequest.incident_id.not_in(incidents_service.archived_ids())
