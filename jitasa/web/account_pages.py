"""Pages of accounts: sign-in by texted code, staff sign-in by password, sign-out, my account.

Pages that need a signed-in person send anonymous visitors to `/signin?next=<path>` from their
own route (`account_views.sign_in_first`); the sign-in pages return them to `next` afterwards.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser, client_ip, end_session, start_session
from jitasa.accounts.policy import Action
from jitasa.accounts.signin import codes, passwords
from jitasa.accounts.signin.deps import SecretKeyDep, SenderDep, ThrottleDep
from jitasa.core.db import SessionDep, WriterDep, WriteSessionDep
from jitasa.core.errors import DomainError, Invalid
from jitasa.core.thai import normalize_phone, to_arabic_digits
from jitasa.volunteers import service as volunteers_service
from jitasa.web import account_views as views
from jitasa.web.followup_pages import own_village
from jitasa.web.rendering import error_text, language_of, render

router = APIRouter(include_in_schema=False)
STAFF_HOME = "/account"
DESK = "/desk"  # where coordinators and admins land after signing in
TextField = Annotated[str, Form(max_length=200)]


async def _refuse(session: AsyncSession, error: DomainError, language: str) -> tuple[str, int]:
    """Undo what the request wrote (if anything) and return the error's text and status."""
    await session.rollback()
    return error_text(error, language), error.status


def _signin_page(
    request: Request, *, next_path: str, phone: str = "", error: str = "", status_code: int = 200
) -> Response:
    """Render the phone form of sign-in by code."""
    return render(
        request,
        "accounts/signin.html",
        status_code=status_code,
        next_path=next_path,
        phone=phone,
        error=error,
    )


def _code_page(
    request: Request, *, next_path: str, phone: str, error: str = "", status_code: int = 200
) -> Response:
    """Render the form asking for the texted code."""
    return render(
        request,
        "accounts/signin_code.html",
        status_code=status_code,
        next_path=next_path,
        phone=phone,
        phone_shown=views.phone_for_display(phone),
        minutes=int(codes.CODE_LIFETIME.total_seconds() // 60),
        error=error,
    )


@router.get("/privacy", response_class=HTMLResponse)
async def privacy_notice(request: Request) -> Response:
    """Say who is responsible for personal data, who sees what, for how long, and the rights."""
    return render(request, "accounts/privacy.html")


@router.get("/signin", response_class=HTMLResponse)
async def signin_form(request: Request, next: str = "/") -> Response:
    """Ask for the phone number to text a sign-in code to."""
    return _signin_page(request, next_path=views.safe_next(next))


@router.post("/signin", response_class=HTMLResponse)
async def send_code(
    request: Request,
    writer: WriterDep,
    throttle: ThrottleDep,
    sender: SenderDep,
    code_secret: SecretKeyDep,
    phone: TextField = "",
    next: TextField = "/",
    csrf_token: TextField = "",
) -> Response:
    """Text a sign-in code to the phone and ask for it; the form is kept on errors."""
    language = language_of(request)
    next_path = views.safe_next(next)
    try:
        views.check_signin_form(request, csrf_token)
        e164 = normalize_phone(phone)
        await codes.request_code(
            writer,
            phone=e164,
            client_ip=client_ip(request),
            throttle=throttle,
            sender=sender,
            language=language,
            secret_key=code_secret,
        )
    except DomainError as error:
        return _signin_page(
            request,
            next_path=next_path,
            phone=phone,
            error=error_text(error, language),
            status_code=error.status,
        )
    return _code_page(request, next_path=next_path, phone=e164)


@router.post("/signin/code", response_class=HTMLResponse)
async def check_code(
    request: Request,
    session: WriteSessionDep,
    throttle: ThrottleDep,
    code_secret: SecretKeyDep,
    phone: TextField = "",
    code: TextField = "",
    next: TextField = "/",
    csrf_token: TextField = "",
) -> Response:
    """Sign in with the texted code and go back to where the visitor was going."""
    language = language_of(request)
    next_path = views.safe_next(next)
    try:
        views.check_signin_form(request, csrf_token)
        e164 = normalize_phone(phone)
    except DomainError as error:  # a forged or tampered form: start again
        text, status_code = await _refuse(session, error, language)
        return _signin_page(request, next_path=next_path, error=text, status_code=status_code)
    digits = "".join(to_arabic_digits(code).split())
    try:
        if len(digits) != codes.CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
            raise Invalid("auth.code_format", "The code has 6 digits; type the digits only.")
        user = await codes.verify_code(
            session,
            phone=e164,
            code=digits,
            client_ip=client_ip(request),
            throttle=throttle,
            secret_key=code_secret,
        )
    except DomainError as error:
        text, status_code = await _refuse(session, error, language)
        return _code_page(
            request, next_path=next_path, phone=e164, error=text, status_code=status_code
        )
    start_session(request, user)
    return views.go_to(next_path)


@router.get("/staff/signin", response_class=HTMLResponse)
async def staff_signin_form(request: Request, next: str = "") -> Response:
    """Ask a staff member for their phone number and password."""
    return render(request, "accounts/staff_signin.html", next_path=views.safe_next(next, ""))


@router.post("/staff/signin", response_class=HTMLResponse)
async def staff_signin(
    request: Request,
    session: SessionDep,
    writer: WriterDep,
    throttle: ThrottleDep,
    phone: TextField = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: TextField = "",
    csrf_token: TextField = "",
) -> Response:
    """Sign a staff member in with phone number and password; staff land on their desk."""
    language = language_of(request)
    next_path = views.safe_next(next, "")
    try:
        views.check_signin_form(request, csrf_token)
        user = await passwords.sign_in(
            session,
            writer,
            phone=phone,
            password=password,
            client_ip=client_ip(request),
            throttle=throttle,
        )
    except DomainError as error:
        text, status_code = await _refuse(session, error, language)
        return render(
            request,
            "accounts/staff_signin.html",
            status_code=status_code,
            next_path=next_path,
            phone=phone,
            error=text,
        )
    start_session(request, user)
    return views.go_to(next_path or (DESK if policy.is_staff(user) else STAFF_HOME))


@router.post("/signout")
async def signout(request: Request, session: WriteSessionDep) -> Response:
    """Sign out (ending the session on the server too) and go back to the map."""
    await end_session(request, session)
    return views.go_to("/")


@router.get("/account", response_class=HTMLResponse)
async def account(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """Show who is signed in, with the pages their roles open."""
    if user is None:
        return views.sign_in_first(request)
    language = language_of(request)
    names = await views.area_names(session, {user.area_code or ""})
    return render(
        request,
        "accounts/account.html",
        user=user,
        phone_shown=views.phone_for_display(user.phone),
        roles=[views.ROLE_LABELS[role] for role in sorted(user.roles)],
        area_name=views.place(user.area_code, names, language),
        may_verify=policy.allows(user, Action.LIST_VOLUNTEERS, area_code=user.area_code),
        follows_village=own_village(await volunteers_service.get_for_user(session, user=user)),
        flash=views.pop_flash(request, language),
    )
