"""Staff sign-in by phone number and password, with the guess throttle every surface gets."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.accounts.signin.throttle import Throttle
from jitasa.core.errors import Invalid, Unauthorized
from jitasa.core.thai import normalize_phone

# Password guesses: a few per phone, more per address (people share carriers' addresses).
PASSWORD_TRIES_PER_PHONE = 10
PASSWORD_TRIES_PER_ADDRESS = 50
PASSWORD_WINDOW_SECONDS = 600
BAD_CREDENTIALS = "The phone number or password is not correct."


async def sign_in(
    session: AsyncSession,
    writer: Callable[[], AbstractAsyncContextManager[AsyncSession]],
    *,
    phone: str,
    password: str,
    client_ip: str,
    throttle: Throttle,
) -> User:
    """Sign a staff member in by password; 429 after too many guesses, 401 for any wrong one.

    The password is checked on the read `session`, so the slow hash holds no write lock; the
    sign-in is then recorded in a short transaction of its own opened by `writer()`. Call it
    before anything else has used `session`: the throttle counts in transactions of its own,
    which on SQLite must not wait behind the request's.
    """
    # The address first, so that a guessing address does not use up a victim phone's quota.
    await throttle.hit(
        f"password:address:{client_ip}",
        limit=PASSWORD_TRIES_PER_ADDRESS,
        window_seconds=PASSWORD_WINDOW_SECONDS,
    )
    try:
        e164 = normalize_phone(phone)
    except Invalid:  # a malformed phone is answered like any wrong one
        raise Unauthorized("auth.bad_credentials", BAD_CREDENTIALS) from None
    await throttle.hit(
        f"password:phone:{e164}",
        limit=PASSWORD_TRIES_PER_PHONE,
        window_seconds=PASSWORD_WINDOW_SECONDS,
    )
    user = await accounts_service.check_password(session, phone=e164, password=password)
    async with writer() as write:
        await accounts_service.mark_signed_in(
            write, user=user, method="password", client_ip=client_ip
        )
    return user
