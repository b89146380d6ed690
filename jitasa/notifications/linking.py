"""Linking a LINE account: a signed-in person gets a one-time code and sends it to the official
account; the webhook then ties their LINE user id to them (one person per LINE account)."""

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.signin.throttle import Refusal, Throttle
from jitasa.notifications.models import LineLinkCode, Preference

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: typed from a screen
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(minutes=15)
CODES_WINDOW_SECONDS = 3600
TOO_MANY_CODES = Refusal(
    "line.too_many_codes",
    "Too many LINE link codes asked for; please wait {minutes} minutes and try again.",
)


def _hash(code: str) -> str:
    """Return the stored form of a code: a lost table gives no working code away."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def throttle_codes(throttle: Throttle, *, user_id: int, per_hour: int) -> None:
    """Count one code asked for by the person; raise 429 (with Retry-After) past `per_hour`.

    Each code replaces the last, but every one is a write and a chance at a guess: a person
    asks for a few, a script for thousands. Call it before `new_code`, outside its transaction.
    """
    await throttle.hit(
        f"line-code:user:{user_id}",
        limit=per_hour,
        window_seconds=CODES_WINDOW_SECONDS,
        refusal=TOO_MANY_CODES,
    )


async def new_code(session: AsyncSession, *, user_id: int, now: datetime) -> tuple[str, datetime]:
    """Make a fresh link code for the person (their older ones stop working); return it."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    await session.execute(delete(LineLinkCode).where(LineLinkCode.user_id == user_id))
    expires_at = now + CODE_LIFETIME
    session.add(LineLinkCode(code_hash=_hash(code), user_id=user_id, expires_at=expires_at))
    await session.flush()
    return code, expires_at


def looks_like_code(text: str) -> bool:
    """Tell whether a message is a link code (and not a plea for help to be read as intake)."""
    text = text.strip().upper()
    return len(text) == CODE_LENGTH and all(c in CODE_ALPHABET for c in text)


async def link(session: AsyncSession, *, code: str, line_user_id: str, now: datetime) -> int | None:
    """Link the LINE user to whoever the unexpired code belongs to; return them, or None."""
    found = await session.get(LineLinkCode, _hash(code), with_for_update=True)
    if found is None:
        return None
    await session.delete(found)  # used once, whatever happens next
    if found.expires_at <= now:
        return None
    # A LINE account belongs to one person: whoever had it before loses it.
    await session.execute(
        update(Preference)
        .where(Preference.line_user_id == line_user_id, Preference.user_id != found.user_id)
        .values(line_user_id=None, updated_at=now)
    )
    preference = await session.get(Preference, found.user_id)
    if preference is None:
        preference = Preference(
            user_id=found.user_id,
            channels=["line", "sms"],
            language="th",
            nearby_urgencies=[],
            quiet_start=0,
            quiet_end=0,
        )
        session.add(preference)
    elif "line" not in preference.channels:
        preference.channels = ["line", *preference.channels]
    preference.line_user_id = line_user_id
    preference.updated_at = now
    await session.flush()
    return found.user_id


async def linked_user(session: AsyncSession, *, line_user_id: str) -> int | None:
    """Return who linked this LINE account, if anyone."""
    return await session.scalar(
        select(Preference.user_id).where(Preference.line_user_id == line_user_id)
    )
