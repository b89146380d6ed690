"""Who is asking: the signed-in user from an API token or the session cookie."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep
from jitasa.core.errors import Unauthorized

SESSION_USER_KEY = "user_id"
SESSION_VERSION_KEY = "session_version"
Recheck = Callable[[AsyncSession], Awaitable[User | None]]


def client_ip(request: Request) -> str:
    """Return the client's address: who connects, or what a trusted proxy says it is.

    Proxies are trusted only as `JITASA_TRUSTED_PROXIES` says (`main.create_app`).
    """
    return request.client.host if request.client else ""


async def current_user_or_none(request: Request, session: SessionDep) -> User | None:
    """Return the user of a Bearer token or of the session cookie, or None when anonymous.

    A scoped token (a hospital system's) is refused: only its own route takes it.
    """
    user, token_scope = await user_and_token_scope(request, session)
    policy.require_unscoped(token_scope)
    return user


async def user_and_token_scope(
    request: Request, session: SessionDep
) -> tuple[User | None, str | None]:
    """Return the signed-in user (or None) and the scope of their token (None: unscoped).

    Only a route that checks the scope with the policy may take this instead of the user.
    """
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        user = scope = None
        if scheme.lower() == "bearer" and credentials.strip():
            user, scope = await accounts_service.user_and_scope_for_token(
                session, plaintext=credentials.strip()
            )
        if user is None:
            raise Unauthorized("auth.bad_token", "The API token is not valid or was revoked.")
        request.state.signed_in_by = "token"
        return user, scope
    user_id = request.session.get(SESSION_USER_KEY)
    version = request.session.get(SESSION_VERSION_KEY)
    user = await accounts_service.user_for_session(session, user_id=user_id, version=version)
    if user is not None:
        request.state.signed_in_by = "session"
    return user, None


def recheck(request: Request) -> Recheck:
    """Return how to ask again, later in a long answer, whose the request's sign-in still is.

    A revoked token, a cookie whose session has ended and a deactivated user give None.
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        plaintext = credentials.strip()
        return lambda session: accounts_service.user_for_token(
            session, plaintext=plaintext, touch=False
        )
    user_id = request.session.get(SESSION_USER_KEY)
    version = request.session.get(SESSION_VERSION_KEY)
    return lambda session: accounts_service.user_for_session(
        session, user_id=user_id, version=version
    )


OptionalUser = Annotated[User | None, Depends(current_user_or_none)]


def requires(action: Action) -> Callable[..., Awaitable[User]]:
    """Return a dependency giving the signed-in user allowed to take an area-free action."""

    async def allowed_user(user: OptionalUser) -> User:
        return policy.require(user, action)

    allowed_user.__name__ = f"requires_{action.name.lower()}"
    return allowed_user


def user_allowed_to(action: Action) -> Any:
    """Return the type of a route parameter: the signed-in user allowed to take the action.

    Other domains' routers declare `Requester = user_allowed_to(Action.REQUEST_HELP)` and
    never import the accounts' tables.
    """
    return Annotated[User, Depends(requires(action))]


SignedInUser = user_allowed_to(Action.READ_ME)


def start_session(request: Request, user: User) -> None:
    """Remember the signed-in user in a fresh session cookie (against session fixation)."""
    csrf = request.session.get("csrf")
    request.session.clear()
    request.session[SESSION_USER_KEY] = user.id
    request.session[SESSION_VERSION_KEY] = user.session_version
    if csrf:
        request.session["csrf"] = csrf


async def end_session(request: Request, session: AsyncSession) -> None:
    """End the signed-in user's sessions on the server, and forget them in this browser.

    A copy of the cookie saved before is worth nothing after this: its version is old.
    """
    user_id = request.session.get(SESSION_USER_KEY)
    if isinstance(user_id, int):
        await accounts_service.end_sessions(session, user_id=user_id)
    request.session.clear()
