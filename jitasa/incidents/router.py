"""HTTP API of incidents."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from jitasa.accounts.deps import user_allowed_to
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.incidents import service
from jitasa.incidents.schemas import IncidentCreate, IncidentRead

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])
IncidentAdmin = user_allowed_to(Action.MANAGE_INCIDENTS)


@router.get("", response_model=list[IncidentRead])
async def list_incidents(
    session: SessionDep, active: Annotated[bool | None, Query()] = None
) -> list:
    """List incidents with their categories and SLAs (newest first)."""
    return await service.list_incidents(session, active=active)


@router.get("/{code}", response_model=IncidentRead)
async def get_incident(code: str, session: SessionDep):
    """Return one incident."""
    return await service.get_or_raise(session, code=code)


@router.post("", response_model=IncidentRead, status_code=status.HTTP_201_CREATED)
async def create_incident(
    incident_in: IncidentCreate, admin: IncidentAdmin, session: WriteSessionDep
):
    """Add an incident, such as floods, with its own categories (admins)."""
    return await service.create(session, incident_in=incident_in)
