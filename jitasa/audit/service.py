"""Record and list audited acts."""

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.audit.models import AuditEntry
from jitasa.core import area_scope, deferred
from jitasa.core.db import utcnow


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor_id: int | None,
    subject_type: str = "",
    subject_id: object = "",
    area_code: str | None = None,
    client_ip: str = "",
    **details: object,
) -> AuditEntry:
    """Add one entry to the audit log: in the caller's transaction when it writes; from a read
    (personal data seen), in a short write transaction of its own after the response."""
    entry = AuditEntry(
        at=utcnow(),  # when it happened, although a read's entry is written a moment later
        action=action,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=str(subject_id),
        area_code=area_code,
        client_ip=client_ip,
        details=details,
    )

    async def add(writing: AsyncSession) -> None:
        writing.add(entry)
        await writing.flush()

    await deferred.write(session, add)
    return entry


async def record_many(
    session: AsyncSession,
    *,
    action: str,
    actor_id: int | None,
    subject_type: str,
    entries: list[dict],
    client_ip: str = "",
) -> None:
    """Add entries of one act to the audit log at once; each gives subject_id, area_code and
    its details."""
    if not entries:
        return
    now = utcnow()
    rows = []
    for entry in entries:
        details = dict(entry)
        rows.append(
            {
                "at": now,
                "action": action,
                "actor_id": actor_id,
                "subject_type": subject_type,
                "subject_id": str(details.pop("subject_id")),
                "area_code": details.pop("area_code", None),
                "client_ip": client_ip,
                "details": details,
            }
        )
    await session.execute(insert(AuditEntry.__table__), rows)


async def list_entries(
    session: AsyncSession,
    *,
    area_prefix: str | None,
    action: str | None,
    limit: int,
    before_id: int | None,
) -> list[AuditEntry]:
    """List audit entries, newest first, optionally within an area and of one action."""
    statement = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if area_prefix:
        statement = statement.where(area_scope.inside(AuditEntry.area_code, area_prefix))
    if action:
        statement = statement.where(AuditEntry.action == action)
    if before_id:
        statement = statement.where(AuditEntry.id < before_id)
    return list((await session.scalars(statement)).all())
