"""LINE as a way in: a location and a few words sent to the official account become a draft,
confirmed (category, consent, contact) on the web's SOS form, where it becomes a request.

Messages of one person within `DRAFT_WINDOW` add to one draft: the latest location wins, texts
are joined. Once the draft has a location, the person gets a link to `/sos?draft=<token>`; a
draft is shown there for `DRAFT_LIFETIME`.
"""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core.geo import in_thailand_box
from jitasa.notifications.models import LineDraft

DRAFT_WINDOW = timedelta(hours=1)
DRAFT_LIFETIME = timedelta(hours=24)
MAX_TEXT = 1000


async def _open_draft(session: AsyncSession, *, line_user_id: str, now: datetime) -> LineDraft:
    """Return the person's draft of the last hour, or a new one."""
    draft = await session.scalar(
        select(LineDraft)
        .where(LineDraft.line_user_id == line_user_id, LineDraft.updated_at > now - DRAFT_WINDOW)
        .order_by(LineDraft.id.desc())
        .limit(1)
        .with_for_update()
    )
    if draft is None:
        draft = LineDraft(
            line_user_id=line_user_id,
            token=secrets.token_urlsafe(24),
            address="",
            text="",
            created_at=now,
        )
        session.add(draft)
    draft.updated_at = now
    return draft


async def add_location(
    session: AsyncSession,
    *,
    line_user_id: str,
    lat: float,
    lon: float,
    address: str,
    now: datetime,
) -> LineDraft | None:
    """Pin the person's draft where they are; None for a place outside Thailand."""
    if not in_thailand_box(lat, lon):
        return None
    draft = await _open_draft(session, line_user_id=line_user_id, now=now)
    draft.lat, draft.lon, draft.address = lat, lon, (address or "")[:500]
    await session.flush()
    return draft


async def add_text(
    session: AsyncSession, *, line_user_id: str, text: str, now: datetime
) -> LineDraft:
    """Add a message's words to the person's draft."""
    draft = await _open_draft(session, line_user_id=line_user_id, now=now)
    draft.text = " ".join(part for part in (draft.text, text.strip()) if part)[:MAX_TEXT]
    await session.flush()
    return draft


async def by_token(session: AsyncSession, *, token: str, now: datetime) -> LineDraft | None:
    """Return the draft a link names, while it is fresh."""
    if not token or len(token) > 64:
        return None
    return await session.scalar(
        select(LineDraft).where(
            LineDraft.token == token, LineDraft.created_at > now - DRAFT_LIFETIME
        )
    )
