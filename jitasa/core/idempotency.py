"""Idempotency-Key: a repeated POST with the same key and body gets the first response again."""

import hashlib
import json
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from jitasa.core.db import Base, UTCDateTime, utcnow
from jitasa.core.errors import invalid_field

MAX_KEY_LENGTH = 200
# Offline queues replay within minutes; a day is ample, and the bodies hold personal data.
KEEP_FOR = timedelta(hours=24)


class IdempotentResponse(Base):
    """The first response to a POST with an Idempotency-Key, replayed for repeats."""

    __tablename__ = "idempotent_responses"

    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    body_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def body_hash(payload: object) -> str:
    """Return a stable hash of a request body."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def replay(
    session: AsyncSession, *, key: str | None, scope: str, payload: object
) -> tuple[int, object] | None:
    """Return the first (status, body) for this key, None if new; 422 if the body differs."""
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise invalid_field(
            "Idempotency-Key",
            "{field} is too long (at most {max_length} characters).",
            max_length=MAX_KEY_LENGTH,
        )
    stored = await session.get(IdempotentResponse, (key, scope))
    if stored is None:
        return None
    if stored.body_hash != body_hash(payload):
        raise invalid_field(
            "Idempotency-Key", "This Idempotency-Key was already used with a different body."
        )
    return stored.status_code, json.loads(stored.body)


async def remember(
    session: AsyncSession,
    *,
    key: str | None,
    scope: str,
    payload: object,
    status_code: int,
    body: object,
) -> None:
    """Keep the response to replay it for a repeat of the same key (same transaction)."""
    if not key:
        return
    session.add(
        IdempotentResponse(
            key=key,
            scope=scope,
            body_hash=body_hash(payload),
            status_code=status_code,
            body=json.dumps(body, ensure_ascii=False, default=str),
        )
    )
    await session.flush()


async def purge(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Delete kept responses older than a day (they hold personal data); return the count."""
    cutoff = now - KEEP_FOR
    old = (
        await session.execute(
            select(IdempotentResponse.key, IdempotentResponse.scope)
            .where(IdempotentResponse.created_at < cutoff)
            .limit(limit)
        )
    ).all()
    for key, scope in old:
        await session.execute(
            delete(IdempotentResponse).where(
                IdempotentResponse.key == key, IdempotentResponse.scope == scope
            )
        )
    return len(old)
