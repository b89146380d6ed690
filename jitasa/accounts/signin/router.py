"""HTTP API of signing in: a texted one-time code, or a staff member's password."""

from fastapi import APIRouter, Request, status

from jitasa.accounts.deps import client_ip, start_session
from jitasa.accounts.models import User
from jitasa.accounts.schemas import LoginIn, UserRead
from jitasa.accounts.signin import codes, passwords
from jitasa.accounts.signin.deps import SecretKeyDep, SenderDep, ThrottleDep
from jitasa.accounts.signin.schemas import CodeRequestIn, CodeSent, CodeVerifyIn
from jitasa.core.db import SessionDep, WriterDep, WriteSessionDep
from jitasa.core.i18n import LANGUAGES

router = APIRouter(prefix="/api/v1/auth", tags=["accounts"])
LANGUAGE_COOKIE = "lang"  # the one the web pages set when a visitor picks a language


@router.post("/login", response_model=UserRead)
async def login(
    login_in: LoginIn,
    request: Request,
    session: SessionDep,
    writer: WriterDep,
    throttle: ThrottleDep,
) -> User:
    """Sign a staff member in with phone number and password; 429 after too many guesses."""
    user = await passwords.sign_in(
        session,
        writer,
        phone=login_in.username,
        password=login_in.password,
        client_ip=client_ip(request),
        throttle=throttle,
    )
    start_session(request, user)
    return user


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
    await codes.request_code(
        writer,
        phone=code_request_in.phone,
        client_ip=client_ip(request),
        throttle=throttle,
        sender=sender,
        language=chosen if chosen in LANGUAGES else request.app.state.settings.default_language,
        secret_key=code_secret,
    )
    return CodeSent(expires_in=int(codes.CODE_LIFETIME.total_seconds()))


@router.post("/otp/verify", response_model=UserRead)
async def verify_code(
    code_in: CodeVerifyIn,
    request: Request,
    session: WriteSessionDep,
    throttle: ThrottleDep,
    code_secret: SecretKeyDep,
) -> User:
    """Sign in with the texted code; start a browser session and return the user."""
    user = await codes.verify_code(
        session,
        phone=code_in.phone,
        code=code_in.code,
        client_ip=client_ip(request),
        throttle=throttle,
        secret_key=code_secret,
    )
    start_session(request, user)
    return user
