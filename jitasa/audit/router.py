"""HTTP API of the audit log (staff, within their area)."""

from typing import Annotated

from fastapi import APIRouter, Query

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.policy import Action
from jitasa.audit import service
from jitasa.audit.schemas import AuditEntryRead
from jitasa.core.db import SessionDep
from jitasa.core.fields import MAX_ROW_ID, AreaCode

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditEntryRead])
async def list_audit(
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query()] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> list:
    """List audit entries of an area, newest first (admins see every area)."""
    scope = policy.scope_for_listing(user, Action.READ_AUDIT, area)
    return await service.list_entries(
        session, area_prefix=scope, action=action, limit=limit, before_id=before_id
    )
