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


class DeliveryFailed(Exception):
    """A channel did not deliver one message: why (the provider's words), and whether to retry.

    `retry` is False when sending the same message again cannot help (the provider refused the
    address or the request: a 4xx answer), True for a failure that may pass (5xx, 429, timeout,
    no connection). The reason is shown to coordinators, so it never holds the message's text.
    """

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:500]
        self.retry = retry


def retry_status(status: int) -> bool:
    """Tell whether an HTTP status from a provider is worth retrying (server errors, 408, 429)."""
    return status >= 500 or status in (408, 429)
