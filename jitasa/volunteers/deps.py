"""Dependencies that load the volunteer of a path when the signed-in user may act on them."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from jitasa.accounts import policy
from jitasa.accounts.deps import SignedInUser
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep
from jitasa.core.fields import RowId
from jitasa.volunteers import service
from jitasa.volunteers.models import Volunteer


def volunteer_for(action: Action) -> Callable[..., Awaitable[Volunteer]]:
    """Return a dependency giving the path's volunteer when the user may take the action there."""

    async def allowed_volunteer(
        volunteer_id: RowId, user: SignedInUser, session: SessionDep
    ) -> Volunteer:
        volunteer = await service.get_or_raise(session, volunteer_id=volunteer_id)
        policy.require(user, action, area_code=volunteer.area_code)
        return volunteer

    allowed_volunteer.__name__ = f"volunteer_for_{action.name.lower()}"
    return allowed_volunteer


ReadableVolunteer = Annotated[Volunteer, Depends(volunteer_for(Action.READ_VOLUNTEER))]
VerifiableVolunteer = Annotated[Volunteer, Depends(volunteer_for(Action.VERIFY_VOLUNTEER))]
VillageVolunteer = Annotated[Volunteer, Depends(volunteer_for(Action.SET_VILLAGE))]
