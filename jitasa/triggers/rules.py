"""What each domain event tells whom: the rules of the consumer "notifications".

Each rule turns one outbox event into notification rows (and their send jobs) in the consumer's
transaction, with a key per occasion, so an event handed over twice notifies once:

- a request claimed → its requester, with the volunteer's name and phone (to call back);
- picked up (in progress), resolved → its requester;
- past its SLA (`request.escalated`) → the coordinators of its area and the areas around it,
  at any hour;
- a new request → verified volunteers who opted in for its urgency, within their alert radius
  and their service radius (the distance told from the public pin), at most
  `nearby_alerts_per_hour` alerts an hour each (alerts withdrawn or failed, never sent, do
  not count; a held alert is withdrawn as soon as its request is taken, cancelled or closed);
- a volunteer verified → that volunteer.

Quiet hours hold a message until they end, except for red requests and escalations.
"""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.models import User, UserRole
from jitasa.core.config import Settings
from jitasa.core.events import OutboxEvent
from jitasa.core.geo import bbox_around, distance_km
from jitasa.core.i18n import translate
from jitasa.core.words import Role, Urgency
from jitasa.notifications import service as notifications
from jitasa.notifications import templates
from jitasa.notifications.models import Preference
from jitasa.notifications.routing import route, send_after
from jitasa.triggers.still_true import GONE, NOT_NOW, STILL_TRUE_WHILE
from jitasa.volunteers.models import Volunteer

MAX_NEARBY_KM = 50.0
HOUR = timedelta(hours=1)

Rule = Callable[[AsyncSession, OutboxEvent, Settings, datetime], Awaitable[None]]


async def _tell(
    session: AsyncSession,
    settings: Settings,
    *,
    kind: str,
    key: str,
    now: datetime,
    user: User | None,
    phone: str | None = None,
    preference: Preference | None = None,
    request_id: int | None = None,
    urgent: bool = False,
    **fields: object,
) -> int | None:
    """Queue one notification of `kind` to a person (or a bare phone), by their preferences."""
    if user is not None and preference is None:
        preference = await session.get(Preference, user.id)
    where = route(settings, phone=phone or (user.phone if user else None), preference=preference)
    if where is None:
        return None
    if "urgency" in fields:
        fields["urgency"] = translate(str(fields["urgency"]).capitalize(), where.language)
    return await notifications.queue(
        session,
        kind=kind,
        channel=where.channel,
        address=where.address,
        text=templates.render(kind, where.language, **fields),
        dedupe_key=f"{key}:{user.id if user else phone}",
        max_attempts=settings.notify_max_attempts,
        user_id=user.id if user else None,
        request_id=request_id,
        send_after=send_after(preference, urgency=Urgency.RED if urgent else None, now=now),
    )


async def request_updated(
    session: AsyncSession, event: OutboxEvent, settings: Settings, now: datetime
) -> None:
    """Tell the requester their request was claimed, picked up or resolved; withdraw the held
    messages about it that are no longer true (a nearby alert once it is taken), so they use
    up no volunteer's hourly alerts while they wait."""
    full = event.full
    if not {"id", "code", "status"} <= full.keys():
        return
    status, rid = full["status"], full["id"]
    stale = {kind for kind, statuses in STILL_TRUE_WHILE.items() if status not in statuses}
    reason = NOT_NOW.get(status, GONE)
    await notifications.withdraw_held(session, request_id=rid, kinds=stale, reason=reason, now=now)
    user = await session.get(User, full["requester_id"]) if full.get("requester_id") else None
    common = dict(
        now=now,
        user=user,
        # An imported request may have no account behind it: its contact phone is told.
        phone=None if user else (full.get("contact_phone") or None),
        request_id=rid,
        urgent=full.get("urgency") == Urgency.RED,
        code=full["code"],
    )
    if status == "claimed" and full.get("claimed_by_id"):
        helper = await session.get(User, full["claimed_by_id"])
        if helper is None:
            return
        await _tell(
            session,
            settings,
            kind=templates.CLAIMED,
            key=f"claimed:{rid}:{helper.id}:{full.get('claimed_at')}",
            name=helper.display_name,
            callback=templates.local_phone(helper.phone),
            **common,
        )
    elif status == "in_progress":
        key = f"picked_up:{rid}:{full.get('claimed_at')}"
        await _tell(session, settings, kind=templates.PICKED_UP, key=key, **common)
    elif status == "resolved":
        await _tell(session, settings, kind=templates.RESOLVED, key=f"resolved:{rid}", **common)


async def request_escalated(
    session: AsyncSession, event: OutboxEvent, settings: Settings, now: datetime
) -> None:
    """Tell the coordinators of the request's area (and of the areas around it) it is overdue."""
    full, area = event.full, event.area_code or ""
    if not {"id", "code"} <= full.keys() or not area:
        return
    enclosing = {area[:length] for length in (2, 4, 6) if len(area) >= length}
    coordinators = await session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.COORDINATOR,
            User.is_active.is_(True),
            User.area_code.in_(enclosing),
        )
        .order_by(User.id)
    )
    for coordinator in list(coordinators):
        await _tell(
            session,
            settings,
            kind=templates.ESCALATED,
            key=f"escalated:{full['id']}:{full.get('flagged_at')}",
            now=now,
            user=coordinator,
            request_id=full["id"],
            urgent=True,  # an overdue request is why coordinators are on call
            code=full["code"],
            urgency=full.get("urgency", ""),
        )


async def request_created(
    session: AsyncSession, event: OutboxEvent, settings: Settings, now: datetime
) -> None:
    """Alert opted-in volunteers near a new request of an urgency they asked for.

    A request created and claimed in one transaction (an import, the demo) is one
    `request.created` in its final state: its requester is told as for an update.
    """
    await request_updated(session, event, settings, now)
    full = event.full
    if not {"id", "code", "urgency", "lat", "lon"} <= full.keys() or full.get("status") != "open":
        return
    if not {"lat", "lon"} <= event.public.keys():
        return
    west, south, east, north = bbox_around(full["lat"], full["lon"], MAX_NEARBY_KM)
    candidates = await session.execute(
        select(Volunteer, Preference)
        .join(Preference, Preference.user_id == Volunteer.user_id)
        .where(
            Volunteer.available_now.is_(True),
            Volunteer.verified_at.is_not(None),  # only who could take it hears of it
            Volunteer.home_lat.between(south, north),
            Volunteer.home_lon.between(west, east),
        )
        .order_by(Volunteer.id)
    )
    for volunteer, preference in candidates.all():
        if full["urgency"] not in (preference.nearby_urgencies or []):
            continue
        if volunteer.user_id == full.get("requester_id"):
            continue
        if distance_km(volunteer.home_lat, volunteer.home_lon, full["lat"], full["lon"]) > min(
            preference.radius_km or volunteer.service_radius_km, volunteer.service_radius_km
        ):  # beyond the service radius the volunteer could not claim it
            continue
        # Told from the public pin, as the map shows it: never finer than its ~500 m cell.
        public = event.public
        km = distance_km(volunteer.home_lat, volunteer.home_lon, public["lat"], public["lon"])
        recent = await notifications.sent_recently(
            session, user_id=volunteer.user_id, kind=templates.NEARBY, since=HOUR, now=now
        )
        if recent >= settings.nearby_alerts_per_hour:
            continue
        await _tell(
            session,
            settings,
            kind=templates.NEARBY,
            key=f"nearby:{full['id']}",
            now=now,
            user=volunteer.user,
            preference=preference,
            request_id=full["id"],
            urgent=full["urgency"] == Urgency.RED,
            code=full["code"],
            urgency=full["urgency"],
            km=f"{km:.1f}",
        )


async def volunteer_verified(
    session: AsyncSession, event: OutboxEvent, settings: Settings, now: datetime
) -> None:
    """Tell a volunteer a coordinator verified them."""
    user_id = event.full.get("user_id")
    user = await session.get(User, user_id) if user_id else None
    if user is not None:
        key = f"verified:{event.full.get('volunteer_id')}"
        await _tell(session, settings, kind=templates.VERIFIED, key=key, now=now, user=user)


RULES: dict[str, Rule] = {
    "request.created": request_created,
    "request.updated": request_updated,
    "request.escalated": request_escalated,
    "volunteer.verified": volunteer_verified,
}


async def handle(
    session: AsyncSession, events: Sequence[OutboxEvent], *, settings: Settings, now: datetime
) -> int:
    """Apply the rule of each event's kind (others tell nobody); return how many had one."""
    handled = 0
    for event in events:
        rule = RULES.get(event.kind)
        if rule is not None:
            await rule(session, event, settings, now)
            handled += 1
    return handled
