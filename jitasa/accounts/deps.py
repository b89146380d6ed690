"""Who is asking: the signed-in user from an API token or the session cookie."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from jitasa.accounts import policy
from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep
from jitasa.core.errors import Unauthorized

SESSION_USER_KEY = "user_id"


def client_ip(request: Request) -> str:
    """Return the client's address as the server sees it (set proxy headers in uvicorn)."""
    return request.client.host if request.client else ""


async def current_user_or_none(request: Request, session: SessionDep) -> User | None:
    """Return the user of a Bearer token or of the session cookie, or None when anonymous."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        user = None
        if scheme.lower() == "bearer" and credentials.strip():
            user = await accounts_service.user_for_token(session, plaintext=credentials.strip())
        if user is None:
            raise Unauthorized("auth.bad_token", "The API token is not valid or was revoked.")
        request.state.signed_in_by = "token"
        return user
    user_id = request.session.get(SESSION_USER_KEY)
    if isinstance(user_id, int):
        user = await session.get(User, user_id)
        if user is not None and user.is_active:
            request.state.signed_in_by = "session"
            return user
    return None


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
    if csrf:
        request.session["csrf"] = csrf


def end_session(request: Request) -> None:
    """Forget the signed-in user."""
    request.session.clear()
