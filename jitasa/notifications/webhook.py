"""The LINE official account's webhook: signed by LINE, it links accounts by one-time code and
takes requests for help (a location and a few words become a draft, `intake.py`).

`POST /line/webhook` (give LINE this address). The body must be signed: `X-Line-Signature` is
base64(HMAC-SHA256(channel secret, body)), checked with LINE's SDK; a missing or wrong signature
is 401 and nothing is read, a body over `MAX_BODY_BYTES` is 413. A text message holding a link
code links the sender's LINE user id to the person who asked for the code; a location or other
words go to the sender's draft request, and a link to confirm it on the web goes back. Answers
go back as notifications (the same path, retries included).
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from linebot.v3 import WebhookParser
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.webhooks import LocationMessageContent, MessageEvent, TextMessageContent

from jitasa.core.db import WriterDep, utcnow
from jitasa.core.errors import DomainError, NotFound, Unauthorized
from jitasa.notifications import intake, linking, service, templates

router = APIRouter(include_in_schema=False)
MAX_BODY_BYTES = 256 * 1024
NOT_EVENTS = "The webhook body is not a list of LINE events."


class TooLarge(DomainError):
    """The request body is larger than this endpoint takes (413)."""

    status = 413
    title = "Payload too large"


async def _body(request: Request) -> bytes:
    """Read the body, refusing it as soon as it passes the limit (declared or not)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge("line.too_large", "The webhook body is too large.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge("line.too_large", "The webhook body is too large.")
    return bytes(body)


def _bad_signature() -> Unauthorized:
    """Return the one answer to a body LINE did not sign."""
    return Unauthorized("line.bad_signature", "The webhook signature is missing or wrong.")


@router.post("/line/webhook")
async def line_webhook(request: Request, writer: WriterDep) -> JSONResponse:
    """Receive LINE's events: verify the signature, then link accounts or take drafts."""
    settings = request.app.state.settings
    if settings.line_channel_secret is None:
        raise NotFound("line.not_set_up", "LINE is not set up on this server.")
    body = await _body(request)
    signature = request.headers.get("x-line-signature")
    if not signature:
        raise _bad_signature()
    try:
        text = body.decode("utf-8")
        parser = WebhookParser(settings.line_channel_secret.get_secret_value())
        events = parser.parse(text, signature)
    except (InvalidSignatureError, UnicodeDecodeError):
        raise _bad_signature() from None
    except (ValueError, KeyError, TypeError):
        raise DomainError(
            "line.bad_body", "The webhook body is not a list of LINE events."
        ) from None
    handled = 0
    for event in events:
        line_user_id = getattr(event.source, "user_id", None)
        if not isinstance(event, MessageEvent) or not line_user_id:
            continue
        async with writer() as session:
            handled += await _message(session, settings, event, line_user_id)
    return JSONResponse({"handled": handled})


async def _message(session, settings, event: MessageEvent, line_user_id: str) -> int:
    """Handle one message: a link code links; a location or words make a draft request."""
    message, now = event.message, utcnow()
    if isinstance(message, TextMessageContent) and linking.looks_like_code(message.text):
        return await _link(session, settings, event, line_user_id)
    if isinstance(message, LocationMessageContent):
        draft = await intake.add_location(
            session,
            line_user_id=line_user_id,
            lat=message.latitude,
            lon=message.longitude,
            address=message.address or "",
            now=now,
        )
    elif isinstance(message, TextMessageContent):
        draft = await intake.add_text(
            session, line_user_id=line_user_id, text=message.text, now=now
        )
    else:
        return 0
    if draft is None:
        return 0
    link = f"{settings.public_url.rstrip('/')}/sos?draft={draft.token}"
    kind = templates.INTAKE_LINK if draft.lat is not None else templates.INTAKE_ASK
    await service.queue(
        session,
        kind=kind,
        channel="line",
        address=line_user_id,
        text=templates.render(kind, "th", link=link),
        dedupe_key=f"{kind}:{draft.id}",
        max_attempts=settings.notify_max_attempts,
        user_id=await linking.linked_user(session, line_user_id=line_user_id),
    )
    return 1


async def _link(session, settings, event: MessageEvent, line_user_id: str) -> int:
    """Link the sender by the code they sent, and tell them so on LINE; 1 if linked."""
    now = utcnow()
    user_id = await linking.link(
        session, code=event.message.text, line_user_id=line_user_id, now=now
    )
    if user_id is None:
        return 0
    preference = await service.preferences_of(session, user_id=user_id)
    await service.queue(
        session,
        kind=templates.LINKED,
        channel="line",
        address=line_user_id,
        text=templates.render(templates.LINKED, preference.language if preference else "th"),
        dedupe_key=f"linked:{event.webhook_event_id or event.message.id}",
        max_attempts=settings.notify_max_attempts,
        user_id=user_id,
    )
    return 1
