"""Kept Idempotency-Key responses are replayed for a day, then purged (they hold personal data)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from jitasa.core import idempotency
from jitasa.core.db import utcnow
from jitasa.core.errors import Invalid
from jitasa.core.idempotency import IdempotentResponse


async def test_same_key_and_body_replays_and_another_body_is_refused(session):
    await idempotency.remember(
        session, key="k1", scope="u1:POST:/x", payload={"a": 1}, status_code=201, body={"id": 7}
    )
    await session.commit()
    assert await idempotency.replay(session, key="k1", scope="u1:POST:/x", payload={"a": 1}) == (
        201,
        {"id": 7},
    )
    assert await idempotency.replay(session, key="k1", scope="u2:POST:/x", payload={"a": 1}) is None
    with pytest.raises(Invalid) as refused:
        await idempotency.replay(session, key="k1", scope="u1:POST:/x", payload={"a": 2})
    assert refused.value.errors[0].field == "Idempotency-Key"


async def test_responses_older_than_a_day_are_purged(session):
    for key in ("old", "fresh"):
        await idempotency.remember(
            session,
            key=key,
            scope="s",
            payload={},
            status_code=200,
            body={"contact_phone": "+66812345678"},
        )
    await session.commit()
    old = await session.get(IdempotentResponse, ("old", "s"))
    old.created_at = utcnow() - timedelta(hours=25)
    await session.commit()
    assert await idempotency.purge(session, now=utcnow(), limit=500) == 1
    await session.commit()
    keys = (await session.scalars(select(IdempotentResponse.key))).all()
    assert keys == ["fresh"]
    assert await session.scalar(select(func.count()).select_from(IdempotentResponse)) == 1
