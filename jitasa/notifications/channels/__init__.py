"""Ways a message leaves Jitasa: console, SMS over HTTP, LINE push, e-mail over SMTP.

`channel_for` picks the texting channel (sign-in codes): SMS when configured, else the console.
`channels_for` gives every channel the settings configure, by name, for notifications; `sms`
falls back to the console when no SMS provider is set (development, the demo).
"""

from typing import Protocol

from jitasa.core.config import Settings
from jitasa.notifications.channels.console import ConsoleChannel
from jitasa.notifications.channels.email import EmailChannel
from jitasa.notifications.channels.line import LineChannel
from jitasa.notifications.channels.sms_http import SmsHttpChannel


class Channel(Protocol):
    """What every channel does: deliver one text, or raise DeliveryFailed; close its client."""

    name: str

    async def deliver(self, *, to: str, text: str, key: str | None = None) -> None:
        """Deliver `text` to the address `to`; `key` is the same on every retry of one message."""

    async def aclose(self) -> None:
        """Release connections."""


def channel_for(settings: Settings) -> ConsoleChannel | SmsHttpChannel:
    """Return the SMS channel when `sms_url` is set, else the console channel."""
    if not settings.sms_url:
        return ConsoleChannel(settings.data_dir)
    if settings.sms_token is None or not settings.sms_token.get_secret_value():
        raise ValueError("JITASA_SMS_TOKEN must be set together with JITASA_SMS_URL")
    return SmsHttpChannel(
        url=settings.sms_url,
        token=settings.sms_token.get_secret_value(),
        sender=settings.sms_sender,
        timeout=settings.notify_timeout_seconds,
    )


def channels_for(settings: Settings) -> dict[str, Channel]:
    """Return every configured channel by name: console and SMS always, LINE and e-mail if set."""
    channels: dict[str, Channel] = {
        "console": ConsoleChannel(settings.data_dir),
        "sms": channel_for(settings),
    }
    if settings.line_channel_token is not None:
        channels["line"] = LineChannel(
            token=settings.line_channel_token.get_secret_value(),
            api_base=settings.line_api_base,
            timeout=settings.notify_timeout_seconds,
        )
    if settings.smtp_url is not None:
        channels["email"] = EmailChannel(
            url=settings.smtp_url.get_secret_value(),
            sender=settings.smtp_sender,
            timeout=settings.notify_timeout_seconds,
        )
    return channels


__all__ = [
    "Channel",
    "ConsoleChannel",
    "EmailChannel",
    "LineChannel",
    "SmsHttpChannel",
    "channel_for",
    "channels_for",
]
