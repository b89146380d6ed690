"""Users, roles, passwords and API tokens."""

import asyncio
import hashlib
import secrets
from datetime import datetime, timedelta
from functools import partial

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from jitasa.accounts.models import ApiToken, User, UserRole
from jitasa.areas import service as areas_service
from jitasa.audit import service as audit_service
from jitasa.core import deferred
from jitasa.core.db import utcnow
from jitasa.core.errors import Invalid, NotFound, Unauthorized
from jitasa.core.words import Role

password_hasher = PasswordHasher()
TOKEN_PREFIX = "jts_"
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    """Hash a high-entropy secret (API token) for storage and lookup."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def get_by_phone(session: AsyncSession, *, phone: str) -> User | None:
    """Return the user with this E.164 phone, if any."""
    return await session.scalar(select(User).where(User.phone == phone))


async def get_or_raise(session: AsyncSession, *, user_id: int) -> User:
    """Return the user with this id or raise 404."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound("users.not_found", "There is no user {user_id}.", {"user_id": user_id})
    return user


def _shown_name(display_name: str, phone: str) -> str:
    """Name a person for staff: their display name, else the end of their phone number."""
    return display_name or f"…{phone[-4:]}"


def name_of(user: User) -> str:
    """Name a person for staff pages and messages (see `_shown_name`)."""
    return _shown_name(user.display_name, user.phone)


async def display_names(session: AsyncSession, *, user_ids: set[int]) -> dict[int, str]:
    """Return how staff pages name these people, by user id (in one query)."""
    if not user_ids:
        return {}
    rows = await session.execute(
        select(User.id, User.display_name, User.phone).where(User.id.in_(user_ids))
    )
    return {uid: _shown_name(name, phone) for uid, name, phone in rows}


async def get_or_create_by_phone(session: AsyncSession, *, phone: str) -> User:
    """Return the user with this phone, creating a requester when the phone is new."""
    user = await get_by_phone(session, phone=phone)
    if user is None:
        user = User(phone=phone, role_rows=[UserRole(role=Role.REQUESTER)])
        session.add(user)
        await session.flush()
    return user


async def save_user(
    session: AsyncSession,
    *,
    phone: str,
    roles: set[Role],
    area_code: str | None = None,
    display_name: str | None = None,
    password: str | None = None,
    actor_id: int | None = None,
    client_ip: str = "",
) -> User:
    """Create or update a user with these roles (added to any held), area and password.

    A password is hashed before `session` is first used, so that, given a fresh write session,
    the slow hash runs before the write lock is taken.
    """
    if Role.COORDINATOR in roles and not area_code:
        raise Invalid(
            "users.coordinator_needs_area",
            "A coordinator needs an area (a province, district or subdistrict code).",
        )
    if password is not None and len(password) < 10:
        raise Invalid("users.weak_password", "A password needs at least 10 characters.")
    password_hash = None if password is None else await _hash_password(password)
    if area_code:
        await areas_service.get_or_raise(session, code=area_code)
    user = await get_or_create_by_phone(session, phone=phone)
    before = {"roles": sorted(user.roles), "area_code": user.area_code}
    for role in roles - user.roles:
        user.role_rows.append(UserRole(role=role))
    if area_code:
        user.area_code = area_code
    if display_name is not None:
        user.display_name = display_name
    if password_hash is not None:
        user.password_hash = password_hash
    await session.flush()
    after = {"roles": sorted(user.roles), "area_code": user.area_code}
    if before["area_code"] not in (None, user.area_code):
        # Moved to another area: sessions signed in for the old one end. Roles are only ever
        # added here, and each request reads them afresh, so a gain needs no new sign-in.
        user.session_version += 1
        await session.flush()
    if before != after:
        await audit_service.record(
            session,
            action="user.roles_changed",
            actor_id=actor_id,
            subject_type="user",
            subject_id=user.id,
            area_code=user.area_code,
            client_ip=client_ip,
            before=before,
            after=after,
        )
    return user


async def check_password(session: AsyncSession, *, phone: str, password: str) -> User:
    """Return the staff user whose password this is, or raise 401 saying nothing more.

    Give it a read session: the slow hash must not run while a write lock is held.
    """
    user = await get_by_phone(session, phone=phone)
    known = user is not None and user.password_hash and user.is_active
    # The dummy hash when the user is not known, so the answer takes as long either way.
    stored = user.password_hash if known else _DUMMY_HASH
    try:
        await asyncio.to_thread(password_hasher.verify, stored, password)
        if not known:
            raise VerificationError
    except (VerificationError, InvalidHashError):
        raise Unauthorized(
            "auth.bad_credentials", "The phone number or password is not correct."
        ) from None
    return user


async def _hash_password(password: str) -> str:
    """Hash a password off the event loop (argon2 takes tens of milliseconds)."""
    return await asyncio.to_thread(password_hasher.hash, password)


async def mark_signed_in(session: AsyncSession, *, user: User, method: str, client_ip: str) -> None:
    """Record a successful sign-in (the user may have been read in another session)."""
    signed_in = await session.get(User, user.id)
    signed_in.last_sign_in_at = utcnow()
    await audit_service.record(
        session,
        action="auth.signed_in",
        actor_id=user.id,
        subject_type="user",
        subject_id=user.id,
        area_code=user.area_code,
        client_ip=client_ip,
        method=method,
    )
    await session.flush()
    # Shown in the answer, without making a read session's copy look changed.
    set_committed_value(user, "last_sign_in_at", signed_in.last_sign_in_at)


async def create_token(
    session: AsyncSession, *, user: User, name: str, scope: str | None = None
) -> tuple[ApiToken, str]:
    """Create an API token for the user (only for `scope`, if given); return it with its
    plaintext, shown only once."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_secret(plaintext), scope=scope)
    session.add(token)
    await session.flush()
    return token, plaintext


async def list_tokens(session: AsyncSession, *, user: User) -> list[ApiToken]:
    """List a user's API tokens, newest first."""
    statement = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list((await session.scalars(statement)).all())


async def revoke_token(session: AsyncSession, *, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's tokens."""
    token = await session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("tokens.not_found", "There is no token {token_id}.", {"token_id": token_id})
    token.revoked_at = token.revoked_at or utcnow()
    await session.flush()
    return token


async def user_for_session(
    session: AsyncSession, *, user_id: object, version: object
) -> User | None:
    """Return the active user a session cookie names, unless their sessions ended since."""
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    user = await session.get(User, user_id, populate_existing=True)
    if user is None or not user.is_active or version != user.session_version:
        return None
    return user


async def end_sessions(session: AsyncSession, *, user_id: int) -> None:
    """End every session of the user: cookies signed in before stop working."""
    await session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )


async def user_for_token(
    session: AsyncSession, *, plaintext: str, touch: bool = True
) -> User | None:
    """Return the active user an unrevoked token that acts as its user belongs to."""
    user, scope = await user_and_scope_for_token(session, plaintext=plaintext, touch=touch)
    return user if scope is None else None


async def user_and_scope_for_token(
    session: AsyncSession, *, plaintext: str, touch: bool = True
) -> tuple[User | None, str | None]:
    """Return the active user of an unrevoked token and the token's scope (None: unscoped),
    noting when it was last used."""
    # The token, its user and the user's roles in one statement: every API request asks.
    found = (
        (
            await session.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .outerjoin(User.role_rows)
                .options(contains_eager(User.role_rows))
                .where(ApiToken.token_hash == hash_secret(plaintext), ApiToken.revoked_at.is_(None))
                .execution_options(populate_existing=True)
            )
        )
        .unique()
        .first()
    )
    if found is None:
        return None, None
    token, user = found
    now = utcnow()
    if touch and (token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL):
        # At most once a minute, and from a read after the response: a token used for every
        # map pan must not make each read wait for the write lock.
        await deferred.write(session, partial(_touch_token, token_id=token.id, now=now))
    return (user if user.is_active else None), token.scope


async def _touch_token(session: AsyncSession, *, token_id: int, now: datetime) -> None:
    """Note a token's use, unless a request at the same time already did."""
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - TOKEN_TOUCH_INTERVAL,
            ),
        )
        .values(last_used_at=now)
    )


_DUMMY_HASH = password_hasher.hash("not-a-real-password")
