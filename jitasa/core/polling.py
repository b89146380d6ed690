"""A step run every few seconds in the background for as long as a block lasts."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

import structlog

log = structlog.get_logger(__name__)


@asynccontextmanager
async def every(
    seconds: float, step: Callable[[], Awaitable[None]], *, name: str, failed: str
) -> AsyncIterator[None]:
    """Run `step` now and then every `seconds` in a task named `name`, until the block ends.

    A step that raises is logged under the event `failed` and the next one runs as planned (a
    database not reachable or not migrated yet must not stop the process). The task is
    cancelled, and awaited, when the block ends.
    """

    async def run() -> None:
        while True:
            try:
                await step()
            except Exception:
                log.exception(failed)
            await asyncio.sleep(seconds)

    task = asyncio.create_task(run(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
