"""Errors of the notification channels."""

from jitasa.core.errors import DomainError


class SendFailed(DomainError):
    """The channel could not deliver a message just now (503)."""

    status = 503
    title = "Service unavailable"


SEND_FAILED = "The text message could not be sent; please try again in a few minutes."


def send_failed() -> SendFailed:
    """Return the error for a message that could not be sent."""
    return SendFailed("notifications.send_failed", SEND_FAILED)
