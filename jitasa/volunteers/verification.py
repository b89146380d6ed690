"""Verification of volunteers by a coordinator: verify, or refuse with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.audit import service as audit_service
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict
from jitasa.volunteers import signals
from jitasa.volunteers.models import RefusalReason, Volunteer

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User


async def verify(
    session: AsyncSession, *, volunteer: Volunteer, coordinator: User, client_ip: str
) -> Volunteer:
    """Mark a volunteer verified by a coordinator; of simultaneous verifications one wins."""
    if volunteer.is_verified:
        raise _already_verified()
    now = utcnow()
    verified = await session.execute(
        update(Volunteer)
        .where(Volunteer.id == volunteer.id, Volunteer.verified_at.is_(None))
        .values(
            verified_at=now,
            verified_by_id=coordinator.id,
            refused_at=None,
            refusal_reason=None,
            refused_by_id=None,
            updated_at=now,
        )
    )
    if verified.rowcount != 1:
        raise _already_verified()
    # A bulk UPDATE leaves never-loaded attributes of an object created in this session stale.
    await session.refresh(volunteer)
    await audit_service.record(
        session,
        action="volunteer.verified",
        actor_id=coordinator.id,
        subject_type="volunteers",
        subject_id=volunteer.id,
        area_code=volunteer.area_code,
        client_ip=client_ip,
    )
    # The notifications consumer tells the volunteer; nobody else learns who it is.
    signals.changed(
        session,
        signals.VERIFIED,
        volunteer_id=volunteer.id,
        area_code=volunteer.area_code,
        user_id=volunteer.user_id,
    )
    return volunteer


async def refuse(
    session: AsyncSession,
    *,
    volunteer: Volunteer,
    coordinator: User,
    reason: RefusalReason,
    client_ip: str,
) -> Volunteer:
    """Decline to verify a volunteer, for a reason; they leave the queue until they update."""
    if volunteer.is_verified:
        raise _already_verified()
    now = utcnow()
    volunteer.refused_at = now
    volunteer.refusal_reason = reason.value
    volunteer.refused_by_id = coordinator.id
    await audit_service.record(
        session,
        action="volunteer.refused",
        actor_id=coordinator.id,
        subject_type="volunteers",
        subject_id=volunteer.id,
        area_code=volunteer.area_code,
        client_ip=client_ip,
        reason=reason.value,
    )
    await session.flush()
    return volunteer


def _already_verified() -> Conflict:
    """Return the error for verifying a verified volunteer."""
    return Conflict("volunteers.already_verified", "This volunteer is already verified.")
