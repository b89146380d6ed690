"""HTTP API of sign-in with a texted one-time code."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from jitasa.accounts import otp
from jitasa.accounts.deps import client_ip, start_session
from jitasa.accounts.models import User
from jitasa.accounts.otp_schemas import CodeRequestIn, CodeSent, CodeVerifyIn
from jitasa.accounts.schemas import UserRead
from jitasa.accounts.throttle import Throttle
from jitasa.core.db import WriterDep, WriteSessionDep
from jitasa.core.i18n import LANGUAGES

router = APIRouter(prefix="/api/v1/auth", tags=["accounts"])
LANGUAGE_COOKIE = "lang"  # the one the web pages set when a visitor picks a language


def app_throttle(request: Request) -> Throttle:
    """Return the application's rate limiter."""
    return request.app.state.throttle


def app_message_sender(request: Request) -> otp.MessageSender:
    """Return the application's channel for text messages."""
    return request.app.state.message_sender


def secret_key(request: Request) -> str:
    """Return the key the codes' hashes are made with."""
    return request.app.state.settings.secret_key.get_secret_value()


ThrottleDep = Annotated[Throttle, Depends(app_throttle)]
SenderDep = Annotated[otp.MessageSender, Depends(app_message_sender)]
SecretKeyDep = Annotated[str, Depends(secret_key)]


@router.post("/otp", response_model=CodeSent, status_code=status.HTTP_202_ACCEPTED)
async def request_code(
    code_request_in: CodeRequestIn,
    request: Request,
    writer: WriterDep,
    throttle: ThrottleDep,
    sender: SenderDep,
    code_secret: SecretKeyDep,
) -> CodeSent:
    """Text a sign-in code to a phone; the answer is the same whether or not it is known."""
    chosen = code_request_in.language or request.cookies.get(LANGUAGE_COOKIE)
    await otp.request_code(
        writer,
        phone=code_request_in.phone,
        client_ip=client_ip(request),
        throttle=throttle,
        sender=sender,
        language=chosen if chosen in LANGUAGES else request.app.state.settings.default_language,
        secret_key=code_secret,
    )
    return CodeSent(expires_in=int(otp.CODE_LIFETIME.total_seconds()))


@router.post("/otp/verify", response_model=UserRead)
async def verify_code(
    code_in: CodeVerifyIn,
    request: Request,
    session: WriteSessionDep,
    throttle: ThrottleDep,
    code_secret: SecretKeyDep,
) -> User:
    """Sign in with the texted code; start a browser session and return the user."""
    user = await otp.verify_code(
        session,
        phone=code_in.phone,
        code=code_in.code,
        client_ip=client_ip(request),
        throttle=throttle,
        secret_key=code_secret,
    )
    start_session(request, user)
    return user
