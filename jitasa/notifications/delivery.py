"""The `notifications.send` job: one try at delivering one notification through its channel.

At least once: a notification is marked sent only after the provider confirmed it, so a worker
killed mid-send leaves its job running with a lease that runs out, and another worker sends it
again with the same key (SMS `Idempotency-Key`, LINE `X-Line-Retry-Key`, e-mail `Message-ID`),
which lets the provider drop the duplicate. A failure that may pass (5xx, 429, timeout) is
retried by the queue with its exponential backoff; a refusal (4xx: a number that cannot take
texts, a LINE user who blocked the account) or the last try marks the notification failed with
the provider's reason.

Every try is written down as it starts (the row's `attempts`), and its failure as it happens
(`last_error`), so coordinators see a message being retried as such, not as "0 tries".

A message may wait (quiet hours, a retry's backoff) past the moment it was true: before each
try its kind's check (`still_true`, registered by the triggers that write it) is asked again,
and a message no longer true (a nearby alert for a request already closed) is withdrawn, with
the reason, instead of sent.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress

import structlog
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core import jobs
from jitasa.core.db import transaction, utcnow
from jitasa.notifications.channels import channels_for
from jitasa.notifications.errors import DeliveryFailed
from jitasa.notifications.models import Delivery, Notification
from jitasa.notifications.service import SEND

log = structlog.get_logger(__name__)
KEYS = uuid.UUID("6f0c1f5e-5a51-4a8e-9a57-0d7c3b1f4a10")


# Is the notification still true now? None if so, else why not (kept as its last_error).
Check = Callable[[AsyncSession, Notification], Awaitable[str | None]]
_checks: dict[str, Check] = {}


class TryAgain(Exception):
    """A try failed in a way that may pass: the queue runs the job again after its backoff."""


def still_true(*kinds: str) -> Callable[[Check], Check]:
    """Register the decorated coroutine as the send-time check of notifications of `kinds`."""

    def register(check: Check) -> Check:
        for kind in kinds:
            _checks[kind] = check
        return check

    return register


async def why_withdrawn(session: AsyncSession, notification: Notification) -> str | None:
    """Return why the notification is no longer worth sending, or None to send it."""
    check = _checks.get(notification.kind)
    return await check(session, notification) if check is not None else None


async def _record(context: jobs.JobContext, notification_id: int, **values: object) -> None:
    """Write down a try's progress on a notification still waiting (never over a final state)."""
    async with transaction(context.session_factory) as session:
        await session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.state == Delivery.QUEUED)
            .values(updated_at=utcnow(), **values)
        )


def retry_key(notification: Notification) -> str:
    """Return the key every try of one notification sends (a UUID, as LINE wants)."""
    return str(uuid.uuid5(KEYS, f"{notification.id}:{notification.created_at.isoformat()}"))


@jobs.handles(SEND)
async def send(context: jobs.JobContext) -> dict:
    """Try to deliver the notification; record sent, or failed with the reason, or try again."""
    notification_id = context.payload["notification_id"]
    async with jobs.reader_of(context.session_factory)() as session:
        notification = await session.get(Notification, notification_id)
        if notification is None or notification.state != Delivery.QUEUED:
            return {"state": notification.state if notification else "gone"}
        withdrawn = await why_withdrawn(session, notification)
    if withdrawn is not None:
        await _record(context, notification_id, state=Delivery.WITHDRAWN, last_error=withdrawn)
        log.info("notification_withdrawn", id=notification_id, reason=withdrawn)
        return {"state": Delivery.WITHDRAWN}
    # Written before the provider is called: a try under way, or cut short, is counted.
    await _record(context, notification_id, attempts=context.attempt)
    failure = await _try(notification, context.settings)
    final = failure is None or not failure.retry
    final = final or context.attempt >= context.payload.get("max_attempts", 1)
    now = utcnow()
    values: dict = {}
    if failure is None:
        values.update(state=Delivery.SENT, sent_at=now)
    else:
        values["last_error"] = failure.reason
        if final:
            values["state"] = Delivery.FAILED
    await _record(context, notification_id, **values)
    if not final:
        raise TryAgain(failure.reason)
    log.info("notification_done", id=notification_id, state=values.get("state"))
    return {"state": values["state"]}


async def _try(notification: Notification, settings) -> DeliveryFailed | None:
    """Deliver once through the notification's channel; return the failure, or None if it went."""
    channels: dict = {}
    try:
        channels = channels_for(settings)
        channel = channels.get(notification.channel)
        if channel is None:
            return DeliveryFailed(f"channel {notification.channel} is not set up", retry=False)
        # The channel's own timeout should fire first; this one keeps a worker from ever hanging.
        async with asyncio.timeout(settings.notify_timeout_seconds * 2):
            await channel.deliver(
                to=notification.address, text=notification.text, key=retry_key(notification)
            )
    except DeliveryFailed as failure:
        return failure
    except TimeoutError:
        return DeliveryFailed(f"{notification.channel}: no answer in time", retry=True)
    except Exception as error:  # a channel's own fault (a setting wrong): kept, then retried
        log.warning("notification_channel_error", id=notification.id, exc_info=True)
        return DeliveryFailed(f"{notification.channel}: {type(error).__name__}", retry=True)
    finally:
        for each in channels.values():
            with suppress(Exception):
                await each.aclose()
    return None
