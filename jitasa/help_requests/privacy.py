"""A requester's withdrawal of consent: the request stops, and its personal data goes at once.

What stays is what the public map already showed (kind of help, colour, subdistrict, number of
people, the ~500 m pin), as the consent on the SOS form says; the name, phone, address,
description, exact pin and timeline notes are removed, and the request is no longer linked to
the requester's account, as the retention sweep does after `JITASA_RETENTION_DAYS`.
"""

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core.db import utcnow
from jitasa.core.errors import Forbidden
from jitasa.help_requests import jobs, lifecycle
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import ACTIVE, Actor, Status

if TYPE_CHECKING:
    from jitasa.accounts.models import User


async def withdraw(session: AsyncSession, *, help_request: HelpRequest, user: "User") -> None:
    """Cancel the requester's request if it is still active and remove its personal data."""
    if help_request.requester_id is None or help_request.requester_id != user.id:
        raise Forbidden("auth.forbidden", "Only the person who asked can withdraw this request.")
    if Status(help_request.status) in ACTIVE:
        await lifecycle.transition(
            session,
            help_request=help_request,
            user=user,
            to=Status.CANCELLED,
            actors={Actor.REQUESTER},
        )
    await jobs.anonymise_where(
        session,
        HelpRequest.id == help_request.id,
        now=utcnow(),
        details={"withdrawn": True},
    )
