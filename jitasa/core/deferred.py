"""Writes that a read causes (audit rows, token touches), made after the response.

A read session holds no write lock, and must not wait for one: on SQLite one writer blocks every
other. So a read leaves its few writes with `write()`; they join the request's queue when the
read commits (a rolled-back read drops them, as it would its own writes), and `DeferredWrites`
makes them in one short write transaction of their own once the response has gone out (for a
stream, once its first frame has).
"""

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jitasa.core.db import REQUEST_SCOPE, is_read_only, transaction

Work = Callable[[AsyncSession], Awaitable[object]]
QUEUE = "jitasa.deferred_writes"  # in the request's ASGI scope: committed reads' writes
_PENDING = "jitasa.deferred_pending"  # in a read session: its writes until it commits
log = structlog.get_logger(__name__)


async def write(session: AsyncSession, work: Work) -> None:
    """Run `work` in the session's transaction when it writes; from a read session, after the
    response, in a short write transaction of its own."""
    if not is_read_only(session):
        await work(session)
        return
    scope = session.info.get(REQUEST_SCOPE)
    if scope is None or QUEUE not in scope:
        raise RuntimeError("Only a read session of an HTTP request can leave writes for later.")
    session.info.setdefault(_PENDING, []).append(work)


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    """Give a committed read's writes to its request, to make after the response."""
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info[REQUEST_SCOPE][QUEUE].extend(pending)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    """Forget the writes of a rolled-back read."""
    session.info.pop(_PENDING, None)


class DeferredWrites:
    """ASGI middleware: make the writes reads left, once the response (or first frame) is out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then write what its reads left."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        queue: list[Work] = []
        scope[QUEUE] = queue

        async def send_then_write(message: Message) -> None:
            await send(message)
            # A stream may last hours: its reads' writes go out with its first frame.
            if message["type"] == "http.response.body" and message.get("more_body") and queue:
                await _write_all(scope, queue)

        await self.app(scope, receive, send_then_write)
        if queue:  # the whole answer is out (and the request's log line and metrics are done)
            await _write_all(scope, queue)


async def _write_all(scope: Scope, queue: list[Work]) -> None:
    """Make the queued writes in one short write transaction; log, never raise, on failure."""
    works = list(queue)
    queue.clear()
    try:
        async with transaction(scope["app"].state.session_factory) as session:
            for work in works:
                await work(session)
    except Exception:  # the answer has gone out: nobody is left to tell but the log
        log.exception("deferred_writes_failed", count=len(works), path=scope.get("path"))
