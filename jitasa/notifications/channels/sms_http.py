"""Text messages through an SMS provider's HTTP API (JSON body, Bearer token)."""

import uuid

import httpx
import structlog

from jitasa.notifications.errors import send_failed

log = structlog.get_logger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0


class SmsHttpChannel:
    """POSTs `{"to", "from", "text"}` to the provider with a Bearer token and an Idempotency-Key."""

    def __init__(
        self, *, url: str, token: str, sender: str, timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self.url = url
        self.token = token
        self.sender = sender
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def send(self, *, to: str, text: str, idempotency_key: str | None = None) -> None:
        """Send one text message; raise `notifications.send_failed` (503) when it does not go."""
        # A retry of the same message must reuse its key so that the provider sends it once.
        key = idempotency_key or uuid.uuid4().hex
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        try:
            response = await self._http().post(
                self.url, json={"to": to, "from": self.sender, "text": text}, headers=headers
            )
        except httpx.HTTPError as error:
            # Never the text: it may hold a sign-in code.
            log.warning("sms_send_failed", to=mask_phone(to), key=key, error=type(error).__name__)
            raise send_failed() from None
        if not response.is_success:
            log.warning("sms_send_failed", to=mask_phone(to), key=key, status=response.status_code)
            raise send_failed()
        log.info("sms_sent", to=mask_phone(to), key=key, status=response.status_code)

    def _http(self) -> httpx.AsyncClient:
        """Return the shared HTTP client, made on first use so it belongs to the running loop."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client's connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def mask_phone(phone: str) -> str:
    """Show enough of a phone number to tell messages apart in logs, not enough to call it."""
    return phone[:5] + "*" * max(0, len(phone) - 7) + phone[-2:] if len(phone) > 7 else "***"
