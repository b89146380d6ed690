"""Ways a message leaves Jitasa; `channel_for` picks the configured one."""

from jitasa.core.config import Settings
from jitasa.notifications.channels.console import ConsoleChannel
from jitasa.notifications.channels.sms_http import SmsHttpChannel


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
    )


__all__ = ["ConsoleChannel", "SmsHttpChannel", "channel_for"]
