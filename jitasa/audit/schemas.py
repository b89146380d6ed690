"""Shapes of audit entries in the API."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    """One audited act."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject_type: str
    subject_id: str
    area_code: str | None
    client_ip: str
    details: dict
