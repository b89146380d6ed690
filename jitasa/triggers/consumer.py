"""The outbox consumer "notifications": events in, notification rows and send jobs out.

It runs in the job runner (`jitasa.jobs`: the web process in the embedded mode, `jitasa worker`
at scale), a pass before each round of jobs. Its handler runs under the consumer's cursor lock,
so it only writes rows and queues jobs; the jobs talk to the providers.
"""

from sqlalchemy.ext.asyncio import AsyncSession, async_object_session, async_sessionmaker

from jitasa.core import outbox
from jitasa.core.config import Settings
from jitasa.core.db import utcnow
from jitasa.notifications import delivery  # noqa: F401  (registers the send job's handler)
from jitasa.triggers import (
    rules,
    still_true,  # noqa: F401  (registers the send-time checks)
)

BATCH_SIZE = 200
CONSUMER = outbox.register("notifications")


async def notify_pending(
    session_factory: async_sessionmaker[AsyncSession],
    read_session_factory: async_sessionmaker[AsyncSession],
    *,
    settings: Settings,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Turn every event the consumer has not read into notifications; return how many events."""

    async def write(events) -> None:
        # The events were read in the transaction that moves the cursor: write beside them.
        session = async_object_session(events[0])
        await rules.handle(session, events, settings=settings, now=utcnow())

    return await outbox.deliver(
        session_factory, read_session_factory, CONSUMER, write, batch_size=batch_size
    )
