"""The village an อสม. looks after: area staff set it on the residents page or the API.

An อสม. (volunteer kind `vhv`) whose profile's area is a village (8 digits) follows up that
village's residents (`policy.require_village`); the area is read on every request, so a change
takes effect at once. The village must lie in the อสม.'s home area, and the change is
audit-logged (`volunteer.village_set`, with the area before).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.areas import service as areas_service
from jitasa.audit import service as audit_service
from jitasa.core import area_scope
from jitasa.core.errors import Conflict, invalid_field
from jitasa.volunteers import signals
from jitasa.volunteers.models import Volunteer, VolunteerKind

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User

NOT_VHV = "{name} is not an อสม. (village health volunteer); only an อสม. looks after a village."
NOT_HOME = (
    "Village {village} is not in the home area of this อสม. ({area}); an อสม. looks after a "
    "village where they live."
)


def home_of(area_code: str) -> str:
    """Return the home area a village is chosen in: the subdistrict of a village code."""
    return area_code[:6]


async def set_village(
    session: AsyncSession,
    *,
    volunteer: Volunteer,
    village_code: str,
    coordinator: User,
    client_ip: str = "",
) -> Volunteer:
    """Make the อสม. the volunteer of a village of their home area (made on first use).

    Raises 403 unless the coordinator covers the village, 409 `volunteers.not_vhv` for another
    kind of volunteer, 422 naming `village_code` for a village outside the อสม.'s home area or
    of an unknown subdistrict. A village already set is left as it is (no audit row).
    """
    policy.require(coordinator, Action.SET_VILLAGE, area_code=village_code)
    if volunteer.kind != VolunteerKind.VHV:
        name = volunteer.user.display_name or f"#{volunteer.id}"
        raise Conflict("volunteers.not_vhv", NOT_VHV, {"name": name})
    if not village_code.startswith(home_of(volunteer.area_code)):
        area = volunteer.area_code
        raise invalid_field("village_code", NOT_HOME, village=village_code, area=area)
    if village_code == volunteer.area_code:
        return volunteer
    await areas_service.ensure_villages(session, codes={village_code})
    before = volunteer.area_code
    volunteer.area_code = village_code
    await audit_service.record(
        session,
        action="volunteer.village_set",
        actor_id=coordinator.id,
        subject_type="volunteers",
        subject_id=volunteer.id,
        area_code=village_code,
        client_ip=client_ip,
        previous_area_code=before,
    )
    await session.flush()
    # The village's figures gain them; its subdistrict's, which hold the village's, do not move.
    signals.changed(
        session,
        signals.MOVED,
        volunteer_id=volunteer.id,
        area_code=village_code,
        user_id=volunteer.user_id,
    )
    return volunteer


async def vhvs_near(session: AsyncSession, *, village_code: str) -> list[Volunteer]:
    """Return the อสม. living in the village's subdistrict (those of the village first)."""
    found = await session.scalars(
        select(Volunteer)
        .where(
            Volunteer.kind == VolunteerKind.VHV,
            area_scope.inside(Volunteer.area_code, home_of(village_code)),
        )
        .order_by(Volunteer.area_code != village_code, Volunteer.id)
        .limit(200)
    )
    return list(found)
