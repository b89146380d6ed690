"""HTTP API of notifications: one's own preferences (channels, nearby alerts, quiet hours),
and codes to link a LINE account."""

from fastapi import APIRouter, Request

from jitasa.accounts.deps import SignedInUser
from jitasa.accounts.signin.deps import ThrottleDep
from jitasa.core.db import SessionDep, WriterDep, WriteSessionDep, utcnow
from jitasa.notifications import linking, service
from jitasa.notifications.models import Preference
from jitasa.notifications.schemas import LinkCodeOut, PreferencesIn, PreferencesOut

router = APIRouter(prefix="/api/v1/me/notifications", tags=["notifications"])


def _out(preference: Preference | None) -> PreferencesOut:
    """Show preferences, the defaults for someone who never chose."""
    if preference is None:
        return PreferencesOut()
    shown = PreferencesOut.model_validate(preference)
    shown.line_linked = preference.line_user_id is not None
    return shown


@router.get("", response_model=PreferencesOut)
async def my_preferences(user: SignedInUser, session: SessionDep) -> PreferencesOut:
    """Return how the signed-in person is notified (SMS only, no nearby alerts, by default)."""
    return _out(await service.preferences_of(session, user_id=user.id))


@router.put("", response_model=PreferencesOut)
async def save_my_preferences(
    preferences_in: PreferencesIn, user: SignedInUser, session: WriteSessionDep
) -> PreferencesOut:
    """Choose channels in order, language, e-mail, nearby alerts and quiet hours."""
    saved = await service.save_preferences(session, user_id=user.id, preferences_in=preferences_in)
    return _out(saved)


@router.post("/line-code", response_model=LinkCodeOut)
async def new_line_code(
    request: Request, user: SignedInUser, throttle: ThrottleDep, writer: WriterDep
) -> LinkCodeOut:
    """Give a one-time code (15 minutes) to send to the official LINE account, to link it.

    At most `JITASA_LINE_CODES_PER_HOUR` an hour per person: more is 429 with Retry-After.
    """
    per_hour = request.app.state.settings.line_codes_per_hour
    # Counted first, in the throttle's own transaction; the code then in a short one.
    await linking.throttle_codes(throttle, user_id=user.id, per_hour=per_hour)
    async with writer() as session:
        code, expires_at = await linking.new_code(session, user_id=user.id, now=utcnow())
    return LinkCodeOut(code=code, expires_at=expires_at)
