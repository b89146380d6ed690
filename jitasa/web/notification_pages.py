"""The page where a person chooses how they are notified, and links their LINE account."""

from types import SimpleNamespace

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.signin.deps import ThrottleDep
from jitasa.core.db import SessionDep, WriterDep, WriteSessionDep, utcnow
from jitasa.core.validation import field_errors
from jitasa.core.words import URGENCIES
from jitasa.notifications import linking
from jitasa.notifications import service as notifications
from jitasa.notifications.schemas import PreferencesIn
from jitasa.web import account_views as views
from jitasa.web import request_views
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
PAGE = "/account/notifications"
CHANNEL_LABELS = {"line": "LINE", "sms": "SMS", "email": "E-mail"}
# Every field of the form by the words it shows: a wrong one is named so, beside it.
FIELD_LABELS = {
    "channels": "Tell me by",
    "language": "Language of messages",
    "email": "E-mail",
    "nearby_urgencies": "Alert me of new requests near my home of",
    "radius_km": "Radius (km)",
    "quiet_start": "Quiet from",
    "quiet_end": "Quiet until",
}


def _form_values(form) -> dict:
    """Read the form into the API's shape (empty fields left to their defaults).

    Its values are text: the schema reads them with `strict=False`, which converts types only;
    an unknown choice or a number out of range is still refused, beside its field.
    """
    values: dict = {
        "channels": [c for c in ("line", "sms", "email") if form.get(f"channel_{c}")],
        "language": form.get("language") or "th",
        "email": (form.get("email") or "").strip() or None,
        "nearby_urgencies": form.getlist("nearby_urgencies"),
        "quiet_start": form.get("quiet_start") or 0,
        "quiet_end": form.get("quiet_end") or 0,
    }
    if form.get("radius_km"):
        values["radius_km"] = form.get("radius_km")
    return values


def _page(
    request: Request,
    user,
    preference,
    *,
    errors=None,
    saved=False,
    status_code=200,
    link_code: str | None = None,
):
    """Render the preferences form."""
    language = language_of(request)
    return render(
        request,
        "accounts/notifications.html",
        status_code=status_code,
        user=user,
        preference=preference,
        channel_labels=CHANNEL_LABELS,
        urgencies=URGENCIES,
        urgency_labels=request_views.URGENCY_LABELS,
        line_linked=bool(getattr(preference, "line_user_id", None)),
        errors=errors or {},
        saved=saved,
        language=language,
        link_code=link_code,
        line_ready=request.app.state.settings.line_channel_secret is not None,
    )


def _as_sent(values: dict) -> SimpleNamespace:
    """Return what was sent, shaped as the form reads a preference (defaults for the rest)."""
    shown = {**PreferencesIn().model_dump(), **values}
    for name in ("quiet_start", "quiet_end"):
        shown[name] = int(shown[name]) if str(shown[name]).isdigit() else shown[name]
    return SimpleNamespace(**shown, line_user_id=None)


@router.get(PAGE, response_class=HTMLResponse)
async def preferences_form(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """Show how the signed-in person is notified."""
    if user is None:
        return views.sign_in_first(request)
    preference = await notifications.preferences_of(session, user_id=user.id)
    return _page(request, user, preference or PreferencesIn())


@router.post(PAGE, response_class=HTMLResponse)
async def save_preferences(request: Request, user: OptionalUser, session: WriteSessionDep):
    """Save the choices; a wrong field is named in the page's language, the form kept."""
    if user is None:
        return views.sign_in_first(request)
    values = _form_values(await request.form())
    try:
        preferences_in = PreferencesIn.model_validate(values, strict=False)
    except ValidationError as invalid:
        language = language_of(request)
        errors: dict[str, list[str]] = {}
        for error in field_errors(invalid, labels=FIELD_LABELS):
            name = error.field.split(".")[0]
            message = error.message_th if language == "th" else error.message
            if message not in errors.get(name, []):
                errors.setdefault(name, []).append(message)
        # The form comes back as it was sent, each wrong field named beside it.
        return _page(request, user, _as_sent(values), errors=errors, status_code=422)
    saved = await notifications.save_preferences(
        session, user_id=user.id, preferences_in=preferences_in
    )
    return _page(request, user, saved, saved=True)


@router.post(PAGE + "/line-code", response_class=HTMLResponse)
async def line_code(request: Request, user: OptionalUser, throttle: ThrottleDep, writer: WriterDep):
    """Show a one-time code to send to the official LINE account (throttled as the API is)."""
    if user is None:
        return views.sign_in_first(request)
    per_hour = request.app.state.settings.line_codes_per_hour
    await linking.throttle_codes(throttle, user_id=user.id, per_hour=per_hour)
    async with writer() as session:
        code, _expires_at = await linking.new_code(session, user_id=user.id, now=utcnow())
        preference = await notifications.preferences_of(session, user_id=user.id)
    return _page(request, user, preference or PreferencesIn(), link_code=code)
