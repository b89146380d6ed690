"""Text messages through an SMS provider's HTTP API (JSON body, Bearer token).

The request, the shape docs/operations.md documents for gateways:

    POST <JITASA_SMS_URL>
    Authorization: Bearer <JITASA_SMS_TOKEN>
    Content-Type: application/json
    Idempotency-Key: <the same key on every retry of one message>

    {"to": "+66812345678", "from": "<JITASA_SMS_SENDER>", "text": "..."}

Any 2xx is delivered; 5xx, 408 and 429 are retried; any other answer is a refusal whose reason
(the answer's `message`, `error` or `detail`, else its status) is kept for coordinators.
"""

import uuid

import httpx
import structlog

from jitasa.notifications.errors import DeliveryFailed, retry_status, send_failed

log = structlog.get_logger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0


class SmsHttpChannel:
    """POSTs `{"to", "from", "text"}` to the provider with a Bearer token and an Idempotency-Key."""

    name = "sms"

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
        try:
            await self.deliver(to=to, text=text, key=idempotency_key)
        except DeliveryFailed:
            raise send_failed() from None

    async def deliver(self, *, to: str, text: str, key: str | None = None) -> None:
        """Send one text message; raise DeliveryFailed with the provider's reason if it fails."""
        # A retry of the same message must reuse its key so that the provider sends it once.
        key = key or uuid.uuid4().hex
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
            reason = f"SMS provider: {describe_http_error(error)}"
            raise DeliveryFailed(reason, retry=True) from None
        if not response.is_success:
            log.warning("sms_send_failed", to=mask_phone(to), key=key, status=response.status_code)
            raise DeliveryFailed(
                f"SMS provider: {reason_of(response)}", retry=retry_status(response.status_code)
            )
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


def reason_of(response: httpx.Response) -> str:
    """Return a provider's refusal in its own words where it gave some, with the status."""
    words = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        words = next((str(body[k]) for k in ("message", "error", "detail") if body.get(k)), "")
    return f"HTTP {response.status_code}" + (f" {words[:300]}" if words else "")


def describe_http_error(error: httpx.HTTPError) -> str:
    """Name a failure to reach a provider: a timeout, or no connection."""
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time"
    return f"not reached ({type(error).__name__})"


def mask_phone(phone: str) -> str:
    """Show enough of a phone number to tell messages apart in logs, not enough to call it."""
    return phone[:5] + "*" * max(0, len(phone) - 7) + phone[-2:] if len(phone) > 7 else "***"
