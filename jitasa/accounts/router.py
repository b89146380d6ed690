"""HTTP API of accounts: sign-out, the current user, API tokens, users (sign-in: `signin/`)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from jitasa.accounts import service
from jitasa.accounts.deps import SignedInUser, client_ip, end_session, requires
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.accounts.schemas import (
    CsrfToken,
    TokenCreate,
    TokenCreated,
    TokenRead,
    UserRead,
    UserSave,
)
from jitasa.core.db import SessionDep, WriterDep, WriteSessionDep
from jitasa.core.fields import RowId, ThaiPhone
from jitasa.core.security import csrf_token

router = APIRouter(prefix="/api/v1", tags=["accounts"])
TokenOwner = Annotated[User, Depends(requires(Action.MANAGE_OWN_TOKENS))]
Admin = Annotated[User, Depends(requires(Action.MANAGE_USERS))]


@router.get("/auth/csrf", response_model=CsrfToken)
async def csrf(request: Request) -> dict[str, str]:
    """Return this browser session's CSRF token, to send as the X-CSRF-Token header."""
    return {"csrf_token": csrf_token(request)}


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, session: WriteSessionDep) -> Response:
    """Sign out: this session ends on the server, so a saved copy of its cookie stops working."""
    await end_session(request, session)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserRead)
async def me(user: SignedInUser) -> User:
    """Return the signed-in user with their roles and area scope."""
    return user


@router.get("/tokens", response_model=list[TokenRead])
async def list_tokens(user: TokenOwner, session: SessionDep) -> list:
    """List the signed-in user's API tokens."""
    return await service.list_tokens(session, user=user)


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
async def create_token(token_in: TokenCreate, user: TokenOwner, session: WriteSessionDep) -> dict:
    """Create an API token; its secret is shown only in this response."""
    token, plaintext = await service.create_token(session, user=user, name=token_in.name)
    return {**TokenRead.model_validate(token).model_dump(), "token": plaintext}


@router.delete("/tokens/{token_id}", response_model=TokenRead)
async def revoke_token(token_id: RowId, user: TokenOwner, session: WriteSessionDep):
    """Revoke one of the signed-in user's API tokens."""
    return await service.revoke_token(session, user=user, token_id=token_id)


@router.post("/users", response_model=UserRead)
async def save_user(user_in: UserSave, admin: Admin, request: Request, writer: WriterDep) -> User:
    """Create or update a user's roles, area and password (admins)."""
    # A short write of its own: its transaction begins when the service first writes, after
    # the password's slow hash.
    async with writer() as session:
        return await service.save_user(
            session,
            phone=user_in.phone,
            roles=set(user_in.roles),
            area_code=user_in.area_code,
            display_name=user_in.display_name,
            password=user_in.password,
            actor_id=admin.id,
            client_ip=client_ip(request),
        )


@router.get("/users", response_model=list[UserRead])
async def find_user(
    admin: Admin, session: SessionDep, phone: Annotated[ThaiPhone, Query()]
) -> list[User]:
    """Find a user by phone number (admins)."""
    user = await service.get_by_phone(session, phone=phone)
    return [user] if user else []
