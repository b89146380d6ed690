"""Sign-in with a one-time code texted to a phone.

Codes are kept as HMAC-SHA256 keyed with the server's secret key rather than argon2: there are
only a million codes, so a slow hash of one is still cracked offline in hours, while a key the
database never holds makes a stolen table useless; and HMAC costs microseconds where argon2
would cost ~50 ms and 64 MB per request on a 2-core machine in a surge of sign-ins.
"""

import hashlib
import hmac
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from typing import Protocol

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import OneTimeCode, User
from jitasa.accounts.signin.throttle import Throttle
from jitasa.audit import service as audit_service
from jitasa.core.db import utcnow
from jitasa.core.errors import DomainError, Forbidden, TooManyRequests
from jitasa.core.i18n import translate

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
ATTEMPTS_PER_CODE = 5
# Window of the per-code attempt counter: the code's life, with a margin for the whole
# seconds the window is counted in.
ATTEMPT_WINDOW_SECONDS = int(CODE_LIFETIME.total_seconds()) + 60
CODES_PER_PHONE = 3
CODES_PER_ADDRESS = 20
# Several people may share an address (mobile carriers' NAT), and each may mistype a few times.
VERIFICATIONS_PER_ADDRESS = 50
THROTTLE_WINDOW_SECONDS = 600

SIGN_IN_TEXT = (
    "Your Jitasa sign-in code: {code} (valid for {minutes} minutes). Do not tell anyone this code."
)
BAD_CODE = "The code is wrong or has expired; ask for a new one."
INACTIVE = "This account is switched off; ask a coordinator."


class MessageSender(Protocol):
    """Sends a text message to a phone; the notifications package provides the channels."""

    async def send(self, *, to: str, text: str) -> None:
        """Send `text` to the E.164 phone `to`, or raise a domain error."""


async def request_code(
    writer: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    *,
    phone: str,
    client_ip: str,
    throttle: Throttle,
    sender: MessageSender,
    language: str,
    secret_key: str,
) -> None:
    """Text a new sign-in code to a phone, replacing its unused ones; known or not, the same.

    The code is committed before it is sent, so that no write lock is held while the provider
    answers (seconds, at worst): `writer()` opens each short write transaction.
    """
    # The address first, so that a flooding address does not use up a victim phone's quota.
    await throttle.hit(
        f"otp:request:address:{client_ip}",
        limit=CODES_PER_ADDRESS,
        window_seconds=THROTTLE_WINDOW_SECONDS,
    )
    await throttle.hit(
        f"otp:request:phone:{phone}", limit=CODES_PER_PHONE, window_seconds=THROTTLE_WINDOW_SECONDS
    )
    # No user is looked up: the answer and its timing cannot tell whether the phone is known.
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = utcnow()
    new_code = OneTimeCode(
        phone=phone,
        code_hash=hash_code(phone=phone, code=code, secret_key=secret_key),
        created_at=now,
        expires_at=now + CODE_LIFETIME,
    )
    async with writer() as session:
        session.add(new_code)
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    text = translate(SIGN_IN_TEXT, language, code=code, minutes=minutes)
    try:
        await sender.send(to=phone, text=text)
    except Exception:
        # Never sent, so never kept: the phone's older code still works, and a retry starts clean.
        async with writer() as session:
            await session.execute(delete(OneTimeCode).where(OneTimeCode.id == new_code.id))
        raise
    # Sent: the older codes go (only older ones, so of two requests at once the newer code stays).
    async with writer() as session:
        await session.execute(
            delete(OneTimeCode).where(OneTimeCode.phone == phone, OneTimeCode.id < new_code.id)
        )


async def verify_code(
    session: AsyncSession,
    *,
    phone: str,
    code: str,
    client_ip: str,
    throttle: Throttle,
    secret_key: str,
) -> User:
    """Sign in with a texted code: mark it used and return the user, new ones as requesters.

    A wrong, expired, used or unknown code, or one tried too often, gets the same 400.
    Call it before anything else has used `session`: the checks write in transactions of
    their own, which on SQLite must not wait behind the request's.
    """
    await throttle.hit(
        f"otp:verify:address:{client_ip}",
        limit=VERIFICATIONS_PER_ADDRESS,
        window_seconds=THROTTLE_WINDOW_SECONDS,
    )
    async with _own_transaction(session) as lookup:
        pending = await lookup.scalar(
            select(OneTimeCode)
            .where(OneTimeCode.phone == phone, OneTimeCode.used_at.is_(None))
            .order_by(OneTimeCode.id.desc())
            .limit(1)
        )
    reason = await _failure(pending, phone=phone, code=code, throttle=throttle, secret=secret_key)
    if reason:
        # Kept in a transaction of its own: the request's is rolled back by the 400.
        async with _own_transaction(session) as audit_session:
            await audit_service.record(
                audit_session,
                action="auth.code_failed",
                actor_id=None,
                subject_type="phone",
                subject_id=phone,
                client_ip=client_ip,
                reason=reason,
            )
        raise _bad_code()
    now = utcnow()
    claimed = await session.execute(
        update(OneTimeCode)
        .where(
            OneTimeCode.id == pending.id,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # a simultaneous sign-in with the same code won
        raise _bad_code()
    user = await accounts_service.get_or_create_by_phone(session, phone=phone)
    if not user.is_active:
        raise Forbidden("auth.inactive", INACTIVE)
    await accounts_service.mark_signed_in(session, user=user, method="otp", client_ip=client_ip)
    return user


def hash_code(*, phone: str, code: str, secret_key: str) -> str:
    """Return the keyed hash of a code; the phone is in it so equal codes hash apart."""
    message = f"otp:{phone}:{code}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


async def _failure(
    pending: OneTimeCode | None, *, phone: str, code: str, throttle: Throttle, secret: str
) -> str | None:
    """Return why the code does not sign in (for the audit log), or None when it does."""
    # Hashed before looking further, so that a phone with no code is not answered faster.
    given_hash = hash_code(phone=phone, code=code, secret_key=secret)
    if pending is None:
        return "no_code"
    created = pending.created_at.timestamp()
    try:
        # SQLite gives a deleted row's id to the next one, so the id alone may name two codes.
        await throttle.hit(
            f"otp:attempts:{pending.id}:{created:.6f}",
            limit=ATTEMPTS_PER_CODE,
            window_seconds=ATTEMPT_WINDOW_SECONDS,
            window_origin=int(created),
        )
    except TooManyRequests:
        # Waiting would not help, the code is spent: the same answer as any bad code.
        return "too_many_attempts"
    if pending.expires_at <= utcnow():
        return "expired"
    if not hmac.compare_digest(given_hash, pending.code_hash):
        return "wrong_code"
    return None


def _bad_code() -> DomainError:
    """Return the one answer to every code that does not sign in."""
    return DomainError("auth.bad_code", BAD_CODE)


@asynccontextmanager
async def _own_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Run a short transaction beside the request's, on the same database, committed at once."""
    async with AsyncSession(session.bind, expire_on_commit=False) as own:
        yield own
        await own.commit()
