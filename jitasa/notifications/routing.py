"""Which channel and address a person is reached at, and when (quiet hours).

Channels are tried in the person's order (default: SMS); LINE needs a linked account and a
configured channel, e-mail an address and an SMTP server, SMS a phone (the console stands in for
SMS when no provider is set). Quiet hours hold a message until they end, except for red requests.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from jitasa.core.config import Settings
from jitasa.core.words import Urgency
from jitasa.notifications.models import Preference

THAI_TIME = timezone(timedelta(hours=7))
CHANNELS = ("line", "sms", "email")
DEFAULT_CHANNELS = ("sms",)


@dataclass(frozen=True)
class Route:
    """Where one message goes: a channel's name and the address on it, and the language."""

    channel: str
    address: str
    language: str


def route(settings: Settings, *, phone: str | None, preference: Preference | None) -> Route | None:
    """Return the first of the person's channels that can reach them, or None."""
    language = preference.language if preference is not None else "th"
    chosen = preference.channels if preference is not None and preference.channels else None
    for channel in chosen or DEFAULT_CHANNELS:
        if channel == "line" and preference.line_user_id and settings.line_channel_token:
            return Route("line", preference.line_user_id, language)
        if channel == "email" and preference.email and settings.smtp_url:
            return Route("email", preference.email, language)
        if channel == "sms" and phone:
            return Route("sms" if settings.sms_url else "console", phone, language)
    if phone:  # none of the chosen ones can: a text still reaches them
        return Route("sms" if settings.sms_url else "console", phone, language)
    return None


def send_after(preference: Preference | None, *, urgency: str | None, now: datetime) -> datetime:
    """Return when a message may go: now, or when the person's quiet hours end (red: now)."""
    if preference is None or urgency == Urgency.RED:
        return now
    start, end = preference.quiet_start, preference.quiet_end
    if start == end:
        return now
    local = now.astimezone(THAI_TIME)
    quiet = start <= local.hour < end if start < end else (local.hour >= start or local.hour < end)
    if not quiet:
        return now
    ends = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(now.tzinfo)
