"""Live updates over Server-Sent Events: `GET /api/v1/events/stream`.

Each event goes out as `id:` (the outbox id), `event:` (its kind) and `data:` (JSON): the full
view for users whom the policy allows the event's `full_view_action` where it happened, the
public view for everyone else, decided event by event. A client that reconnects with
`Last-Event-ID` first gets what it missed; when that cannot be told whole (more than
`REPLAY_LIMIT` events, or some already purged) it gets one `reset` event instead, telling it to
reload, and live events from then on.
"""

import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from functools import lru_cache
from typing import Annotated, NamedTuple

from fastapi import APIRouter, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette import EventSourceResponse, ServerSentEvent

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser, Recheck, client_ip, recheck
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.areas import service as areas_service
from jitasa.audit import service as audit_service
from jitasa.core import outbox
from jitasa.core.db import SessionDep
from jitasa.core.errors import TooManyRequests
from jitasa.core.fields import MAX_ROW_ID, AreaCode
from jitasa.core.map_params import BBox, BBoxParam, parse_bbox
from jitasa.realtime.hub import Event, MemoryHub

router = APIRouter(prefix="/api/v1/events", tags=["live updates"])
REPLAY_LIMIT = 1000
SLOT_RETRY_SECONDS = 30
SEND_TIMEOUT_SECONDS = 30.0
# The first frame sets the client's reconnection delay; its arrival also tells the client that
# the stream is subscribed, so nothing committed from then on can pass it by.
OPENING = ServerSentEvent(retry=3000).encode()
STREAM_DOC = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "Server-Sent Events `request.created`, `request.updated`, "
        "`facility.updated`; `requests.imported` (a batch's count and provinces; only on "
        "streams without a bbox or area filter); `reset` when the missed events cannot all be "
        "replayed (reload); a comment line every heartbeat.",
    }
}


class StreamSlots:
    """Streams open in this process per client, so that one client cannot hold them all."""

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()

    def take(self, client: str, cap: int) -> Callable[[], None]:
        """Count a new stream of this client, or raise 429 at the cap; return its release."""
        if self.open[client] >= cap:
            raise TooManyRequests(
                "events.too_many_streams",
                "You have {cap} live updates open already; close another tab or window first.",
                {"cap": cap, "retry_after": SLOT_RETRY_SECONDS},
            )
        self.open[client] += 1

        def release() -> None:
            self.open[client] -= 1
            if self.open[client] <= 0:
                del self.open[client]

        return release


class _CountedStream(EventSourceResponse):
    """An event stream that gives its client's slot back however it ends."""

    def __init__(self, *args, release: Callable[[], None], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._release = release

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def _wants(area: str | None, bbox: BBox | None) -> Callable[[Event], bool]:
    """Return the test of a stream's filters: area code prefix, public pin inside the bbox."""

    def wants(event: Event) -> bool:
        if area and not (event.area_code or "").startswith(area):
            return False
        if bbox is None:
            return True
        west, south, east, north = bbox
        return (
            event.lat is not None
            and event.lon is not None
            and west <= event.lon <= east
            and south <= event.lat <= north
        )

    return wants


def _viewer(user: User | None) -> Callable[[Event], bytes]:
    """Return how a user sees events: full where the event's action is allowed them, else public."""
    if user is None:
        return lambda event: event.public_frame

    # Asked per event of a stream that may last hours, the answer depends on action and area.
    @lru_cache(maxsize=1024)
    def sees_full(action: str | None, area_code: str | None) -> bool:
        if action not in Action.__members__.values():
            return False
        return policy.allows(user, Action(action), area_code=area_code)

    def frame(event: Event) -> bytes:
        full = sees_full(event.full_view_action, event.area_code)
        return event.full_frame if full else event.public_frame

    return frame


class Reset(NamedTuple):
    """Why a client's missed events cannot be replayed, and the newest event id it may skip to."""

    reason: str
    last_event_id: int

    @property
    def frame(self) -> bytes:
        """Return the `reset` frame that tells the client to reload."""
        data = json.dumps({"reason": self.reason, "last_event_id": self.last_event_id})
        return ServerSentEvent(data=data, id=str(self.last_event_id), event="reset").encode()


async def _missed(
    read_session_factory: async_sessionmaker[AsyncSession],
    *,
    after_id: int,
    area: str | None,
    bbox: BBox | None,
) -> tuple[list[Event], Reset | None]:
    """Return the events missed after `after_id`, or a reset when they cannot all be told."""
    async with read_session_factory() as session:
        purged_through, newest = await outbox.positions(session)
        missed = await outbox.replay(
            session, after_id=after_id, area=area, bbox=bbox, limit=REPLAY_LIMIT + 1
        )
    if after_id < purged_through:
        return [], Reset("purged", newest or purged_through)
    if len(missed) > REPLAY_LIMIT:
        return [], Reset("too_many", newest or after_id)
    return [Event.from_row(row) for row in missed], None


async def _frames(
    hub: MemoryHub,
    read_session_factory: async_sessionmaker[AsyncSession],
    *,
    user: User | None,
    signed_in: Recheck | None = None,
    recheck_seconds: float = 15.0,
    area: str | None,
    bbox: BBox | None,
    after_id: int | None,
    follow: bool,
) -> AsyncIterator[bytes]:
    """Yield the opening frame, the events missed after `after_id`, then live events, each once.

    Before a live event goes out, at most once every `recheck_seconds`, the sign-in is asked
    again: a revoked token, an ended session or a changed area downgrades what is sent.
    """
    frame = _viewer(user)
    checked_at = time.monotonic()
    with hub.subscribe(_wants(area, bbox)) as live:
        yield OPENING
        replayed: set[int] = set()
        reset_through = 0
        if after_id is not None:
            missed, reset = await _missed(
                read_session_factory, after_id=after_id, area=area, bbox=bbox
            )
            if reset is not None:
                # The client reloads; live events it would get again from the reload are dropped.
                reset_through = reset.last_event_id
                yield reset.frame
            for event in missed:
                replayed.add(event.id)
                yield frame(event)
        if not follow:
            return
        async for event in live:
            stale = time.monotonic() - checked_at >= recheck_seconds
            if signed_in is not None and user is not None and stale:
                async with read_session_factory() as session:
                    user = await signed_in(session)
                frame, checked_at = _viewer(user), time.monotonic()
            # Subscribed before the replay was read, an event may come both ways: send it once.
            if event.id not in replayed and event.id > reset_through:
                yield frame(event)


@router.get("/stream", response_class=EventSourceResponse, responses=STREAM_DOC)
async def stream(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    bbox: BBoxParam = None,
    area: Annotated[
        AreaCode | None, Query(description="Only events in this area (DOPA code) and inside it")
    ] = None,
    last_event_id: Annotated[
        int | None,
        Query(ge=0, le=MAX_ROW_ID, description="Like the Last-Event-ID header, for polyfills"),
    ] = None,
    last_event_id_header: Annotated[
        int | None, Header(alias="Last-Event-ID", ge=0, le=MAX_ROW_ID)
    ] = None,
    follow: Annotated[
        bool, Query(description="false: send the events missed since the last id, then end")
    ] = True,
) -> EventSourceResponse:
    """Stream events: the public view for everyone, the full view where the policy allows it."""
    box = parse_bbox(bbox)
    if area:
        await areas_service.get_or_raise(session, code=area)
    if user is not None and policy.allows(user, Action.MANAGE_REQUESTS, area_code=user.area_code):
        await audit_service.record(
            session,
            action="personal_data.stream",
            actor_id=user.id,
            subject_type="events",
            area_code=area or user.area_code,
            client_ip=client_ip(request),
        )
    # A browser reconnecting sends the header, newer than an id left in the URL it reuses.
    after_id = last_event_id if last_event_id_header is None else last_event_id_header
    heartbeat = request.app.state.settings.event_stream_heartbeat_seconds
    frames = _frames(
        request.app.state.hub,
        request.app.state.read_session_factory,
        user=user,
        signed_in=recheck(request),
        recheck_seconds=heartbeat,
        area=area,
        bbox=box,
        after_id=after_id,
        follow=follow,
    )
    settings = request.app.state.settings
    client = f"user:{user.id}" if user is not None else f"address:{client_ip(request)}"
    release = request.app.state.stream_slots.take(client, settings.event_streams_per_client)
    return _CountedStream(
        frames, ping=heartbeat, send_timeout=SEND_TIMEOUT_SECONDS, release=release
    )
