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
    session: SessionDep,
    active: Annotated[bool | None, Query()] = None,
    archived: Annotated[bool | None, Query()] = None,
) -> list:
    """List incidents with their categories and SLAs (newest first).

    `active=true`: those taking new requests; `archived=false`: those not archived.
    """
    return await service.list_incidents(session, active=active, archived=archived)


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


@router.post("/{code}/default", response_model=IncidentRead)
async def make_default(code: str, admin: IncidentAdmin, session: WriteSessionDep):
    """Make this active incident the default one, where requests naming none go (admins).

    404 unknown code; 409 `incidents.default_closed` when it is closed, `incidents.archived`.
    """
    return await service.make_default(session, code=code)


@router.post("/{code}/close", response_model=IncidentRead)
async def close_incident(code: str, admin: IncidentAdmin, session: WriteSessionDep):
    """Close an incident: it takes no new requests (admins).

    409 `incidents.close_default` for the default one (make another the default first),
    `incidents.archived` when archived.
    """
    return await service.close(session, code=code)


@router.post("/{code}/reopen", response_model=IncidentRead)
async def reopen_incident(code: str, admin: IncidentAdmin, session: WriteSessionDep):
    """Let a closed incident take new requests again (admins); 409 when archived."""
    return await service.reopen(session, code=code)


@router.post("/{code}/archive", response_model=IncidentRead)
async def archive_incident(code: str, admin: IncidentAdmin, session: WriteSessionDep):
    """Archive a closed incident: it leaves the map for good (admins).

    409 `incidents.archive_active` while it is active (close it first).
    """
    return await service.archive(session, code=code)
