"""LINE Messaging API push, through LINE's own SDK (`line-bot-sdk`), and webhook signatures.

A push is `POST {JITASA_LINE_API_BASE}/v2/bot/message/push` with the channel access token as a
Bearer token, `{"to": <LINE user id>, "messages": [{"type": "text", "text": ...}]}` and an
`X-Line-Retry-Key` (a UUID, the same on every retry of one message): LINE then sends it once, and
answers 409 to a retry of a push it already accepted, which counts as delivered.
"""

import json
import uuid

import aiohttp
import structlog
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException

from jitasa.notifications.errors import DeliveryFailed, retry_status

log = structlog.get_logger(__name__)

LINE_API_BASE = "https://api.line.me"
DEFAULT_TIMEOUT_SECONDS = 10.0
ACCEPTED_BEFORE = 409  # a retry key LINE has already accepted: the message went


class LineChannel:
    """Pushes text messages to LINE users who linked their account."""

    name = "line"

    def __init__(
        self, *, token: str, api_base: str = LINE_API_BASE, timeout: float = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        self.configuration = Configuration(host=api_base.rstrip("/"), access_token=token)
        self.timeout = timeout
        self._client: AsyncApiClient | None = None

    def _api(self) -> AsyncMessagingApi:
        """Return the SDK's API, its client made on first use so it belongs to the running loop."""
        if self._client is None:
            self._client = AsyncApiClient(self.configuration)
        return AsyncMessagingApi(self._client)

    async def deliver(self, *, to: str, text: str, key: str | None = None) -> None:
        """Push one text message; raise DeliveryFailed with LINE's reason if it does not go."""
        retry_key = str(uuid.UUID(key)) if key else str(uuid.uuid4())
        request = PushMessageRequest(to=to, messages=[TextMessage(text=text)])
        await self._call(
            "push",
            self._api().push_message(
                request,
                x_line_retry_key=retry_key,
                _request_timeout=aiohttp.ClientTimeout(total=self.timeout),
            ),
        )

    async def reply(self, *, reply_token: str, text: str) -> None:
        """Answer a webhook event with one text message (reply tokens are used once, no retry)."""
        request = ReplyMessageRequest(replyToken=reply_token, messages=[TextMessage(text=text)])
        await self._call(
            "reply",
            self._api().reply_message(
                request, _request_timeout=aiohttp.ClientTimeout(total=self.timeout)
            ),
        )

    async def _call(self, what: str, call) -> None:
        """Await one SDK call; turn its failures into DeliveryFailed with LINE's own words."""
        try:
            await call
        except ApiException as error:
            if error.status == ACCEPTED_BEFORE and what == "push":
                log.info("line_push_accepted_before")
                return
            log.warning(f"line_{what}_failed", status=error.status)
            raise DeliveryFailed(
                f"LINE: HTTP {error.status} {_message_of(error)}".strip(),
                retry=retry_status(error.status or 500),
            ) from None
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning(f"line_{what}_failed", error=type(error).__name__)
            reason = "no answer in time" if isinstance(error, TimeoutError) else "not reached"
            raise DeliveryFailed(f"LINE: {reason} ({type(error).__name__})", retry=True) from None

    async def aclose(self) -> None:
        """Close the SDK's HTTP session."""
        if self._client is not None:
            await self._client.close()
            self._client = None


def _message_of(error: ApiException) -> str:
    """Return the `message` of LINE's error body (`{"message": ..., "details": [...]}`)."""
    try:
        body = json.loads(error.body or b"{}")
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    details = "; ".join(
        f"{d.get('property', '')}: {d.get('message', '')}"
        for d in body.get("details") or []
        if isinstance(d, dict)
    )
    return " ".join(part for part in (str(body.get("message") or ""), details) if part)[:300]
