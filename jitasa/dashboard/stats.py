"""The dashboard's figures for an area, read from kept counts and a few bounded seeks.

A read model above the domains (like `map/`): it reads their tables, writes nothing, and every
figure equals a plain count of the data at the precision stated here, so a test can count the
same thing another way and compare. Reads are bounded by areas, days and kept minutes, not by
requests (figures at 1,000,000 requests in `docs/performance.md`):

- Requests by status, and by category and by urgency (each split by status): sums of the area's
  kept tallies (`help_requests/tally.py`).
- Time to claim: from posting to the first time a volunteer took the request (the earliest
  claim or assignment on its timeline); time to resolve: from posting to being marked
  resolved. Each for the Bangkok day asked about (`date`, default today), the 7 days ending
  with it, and all days up to it, by the day of the take or resolution: the count, the median
  and the 90th percentile (nearest rank) of the kept waits (`help_requests/timings.py`: whole
  minutes rounded down, then three significant figures toward zero). Sums of the area's kept
  waits by day and kept minute (a few thousand rows a day at most); all days are the kept
  totals less the days after the one asked about.
- Past their limit: open requests the SLA sweep flagged (tallies), the oldest 50 listed.
- Volunteers living in the area: verified, waiting for verification, and active that day (who
  acted on some request's timeline): a pass over an index of the area's volunteers, and the
  day's kept actors (`help_requests/actor_days.py`) joined to the area's volunteers.
- Requests still needing help at the end of each of the 7 Bangkok days: the active count
  (tallies) less those posted since, plus those finished since (kept per day).
- Each child area's open, claimed, in-progress and past-limit counts (tallies).
- The capacity board: free beds by colour of the area's facilities, stale numbers flagged
  (`dashboard/capacity.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core import area_scope
from jitasa.core.errors import invalid_field
from jitasa.core.thai import BANGKOK
from jitasa.core.words import URGENCIES
from jitasa.dashboard import capacity
from jitasa.dashboard.scope import child_code_length
from jitasa.help_requests import access, timings
from jitasa.help_requests.models import (
    PAST_SLA_ROWS,
    ActorDay,
    HelpRequest,
    RequestDay,
    RequestDuration,
    RequestDurationTotal,
    RequestTally,
)
from jitasa.help_requests.states import ACTIVE, Status
from jitasa.incidents import service as incidents_service
from jitasa.volunteers.models import Volunteer

PAST_SLA_LISTED = 50
WEEK = 7
TODAY, EARLIER, LATER = 0, 1, 2  # parts of the kept days read: the day asked about, before, after


@dataclass(frozen=True)
class Window:
    """The Bangkok day figures are given for, in UTC: [start, end), ending now at the latest."""

    start: datetime
    end: datetime


def day_window(day: date, now: datetime) -> Window:
    """Return the Bangkok day asked about, cut at `now` when it is today."""
    start = datetime.combine(day, time(0), tzinfo=BANGKOK).astimezone(UTC)
    return Window(start, min(start + timedelta(days=1), now))


def summary(histogram: dict[int, int]) -> dict:
    """Return the count, median and 90th percentile (nearest rank) of kept waits, given as
    {kept minutes: how many}."""
    ordered = sorted((m, n) for m, n in histogram.items() if n)
    total = sum(n for _m, n in ordered)
    if not total:
        return {"count": 0, "median_minutes": None, "p90_minutes": None}

    def at_rank(rank: int) -> int:  # the rank-th smallest wait, from 1
        seen = 0
        for minutes, number in ordered:
            seen += number
            if seen >= rank:
                return minutes
        raise ValueError(rank)

    middle = (at_rank((total + 1) // 2) + at_rank(total // 2 + 1)) / 2
    return {
        "count": total,
        "median_minutes": round(middle, 1),
        "p90_minutes": round(float(at_rank(-(-9 * total // 10))), 1),
    }


def _in_area(area: str | None):
    """Condition for requests in the area (everywhere when None), archived incidents left out."""
    kept = access.in_kept_incidents()
    return and_(area_scope.inside(HelpRequest.area_code, area), kept) if area else kept


def _tallied(area: str | None, *conditions):
    """Select the tally rows of the area itself (the country when None), archived left out."""
    scope = area or ""
    return (
        RequestTally.depth == len(scope),
        RequestTally.scope == scope,
        RequestTally.incident_id.not_in(incidents_service.archived_ids()),
        *conditions,
    )


async def _tallies(session: AsyncSession, area: str | None) -> list[tuple]:
    """Return the area's kept tallies: (status, category, urgency, past limit, count)."""
    total = func.sum(RequestTally.count)
    keys = (RequestTally.status, RequestTally.category, RequestTally.urgency, RequestTally.past_sla)
    rows = await session.execute(
        select(*keys, total).where(*_tallied(area)).group_by(*keys).having(total != 0)
    )
    return [tuple(row) for row in rows]


def _counts(tallies: list[tuple]) -> dict:
    """Count the area's requests by status, and by category and urgency split by status."""
    by_status = {s.value: 0 for s in Status}
    by_category: dict[str, dict[str, int]] = {}
    by_urgency = {u.value: {s.value: 0 for s in Status} for u in URGENCIES}
    for status, category, urgency, _past_sla, count in tallies:
        by_status[status] += count
        by_category.setdefault(category, {s.value: 0 for s in Status})[status] += count
        by_urgency.setdefault(urgency, {s.value: 0 for s in Status})[status] += count
    return {"by_status": by_status, "by_category": by_category, "by_urgency": by_urgency}


async def _waits(session: AsyncSession, area: str | None, model, *conditions, bucket=None) -> dict:
    """Sum the area's kept waits of `model` by measure, bucket (an expression of the row, or
    None) and kept minute: {(measure, bucket): {minutes: count}}."""
    scope = area or ""
    keys = [model.measure, model.minutes] + ([bucket] if bucket is not None else [])
    rows = await session.execute(
        select(func.sum(model.count), *keys)
        .where(
            model.depth == len(scope),
            model.scope == scope,
            *conditions,
            model.incident_id.not_in(incidents_service.archived_ids()),
        )
        .group_by(*keys)
    )
    found: dict[tuple[str, int | None], dict[int, int]] = {}
    for count, measure, minutes, *part in rows:
        found.setdefault((measure, part[0] if part else None), {})[minutes] = count
    return found


async def _durations(session: AsyncSession, area: str | None, day: date) -> dict:
    """Return the kept waits to first take and to resolution of the day, of the 7 days ending
    with it, and of all days up to it: {"to_claim"|"to_resolve": {window: summary}}.

    One read of the days from the week's first on, summed by part: the day itself, the six
    before it, the days after it. All days up to it: the totals, less the days after it (none
    when it is today).
    """
    kept = RequestDuration
    part = case((kept.day == day, TODAY), (kept.day < day, EARLIER), else_=LATER)
    first = day - timedelta(days=WEEK - 1)
    parts = await _waits(session, area, kept, kept.day >= first, bucket=part)
    everything = await _waits(session, area, RequestDurationTotal)
    answer: dict[str, dict] = {"to_claim": {}, "to_resolve": {}}
    for name, measure in (("to_claim", timings.CLAIM), ("to_resolve", timings.RESOLVE)):
        today = parts.get((measure, TODAY), {})
        week = dict(parts.get((measure, EARLIER), {}))
        for minutes, count in today.items():
            week[minutes] = week.get(minutes, 0) + count
        upto = dict(everything.get((measure, None), {}))
        for minutes, count in parts.get((measure, LATER), {}).items():
            upto[minutes] = upto.get(minutes, 0) - count
        answer[name] = {
            "today": summary(today),
            "last_7_days": summary(week),
            "all": summary(upto),
        }
    return answer


async def _active_over_time(
    session: AsyncSession, area: str | None, day: Window, active_now: int
) -> list[dict]:
    """Count the requests still needing help at the end of each of the last 7 Bangkok days
    (the last point is shown at `day.end`, now when the day is today).

    Still needing help at the end of a day: posted before the next midnight and not finished
    before it (a finished request records when, in `closed_at`; only a final status sets it,
    and a final request never moves again). So it is the requests active now (tallies), less
    those posted since that midnight, plus those finished since it: sums of the kept days
    after the first point's (`RequestDay`).
    """
    last = day.start.astimezone(BANGKOK).date()
    ends = [last - timedelta(days=k) for k in range(WEEK - 1, -1, -1)]
    shown = [min(day.end, day.start + timedelta(days=1 - k)) for k in range(WEEK - 1, -1, -1)]
    scope = area or ""
    rows = await session.execute(
        select(RequestDay.day, func.sum(RequestDay.posted), func.sum(RequestDay.finished))
        .where(
            RequestDay.depth == len(scope),
            RequestDay.scope == scope,
            RequestDay.day > ends[0],
            RequestDay.incident_id.not_in(incidents_service.archived_ids()),
        )
        .group_by(RequestDay.day)
    )
    days = [(d, int(posted or 0), int(finished or 0)) for d, posted, finished in rows]
    points = []
    for end, at in zip(ends, shown, strict=True):
        since = sum(finished - posted for d, posted, finished in days if d > end)
        points.append({"at": at, "count": active_now + since})
    return points


async def _past_sla(session: AsyncSession, area: str | None, now: datetime, count: int) -> dict:
    """Return how many requests are past their limit (`count`, from the tallies), and the
    oldest of them."""
    # In the words of the partial index of them, so both databases see that it applies.
    condition = (_in_area(area), text(PAST_SLA_ROWS))
    oldest = await session.scalars(
        select(HelpRequest)
        .where(*condition)
        .order_by(HelpRequest.created_at, HelpRequest.id)
        .limit(PAST_SLA_LISTED)
    )
    return {
        "count": count,
        "oldest": [
            {
                "id": r.id,
                "code": r.code,
                "category": r.category,
                "urgency": r.urgency,
                "area_code": r.area_code,
                "created_at": r.created_at,
                "waited_minutes": int((now - r.created_at).total_seconds() // 60),
            }
            for r in oldest
        ],
    }


async def _volunteers(session: AsyncSession, area: str | None, day: date) -> dict:
    """Count the area's volunteers: verified, waiting, and those who acted on a request that
    Bangkok day.

    Verified and waiting: one pass over the index of the area's volunteers by area and
    verification (`ix_volunteers_area_code_verified_at`). Active: the day's actors on the
    timeline (kept by `help_requests/actor_days.py`) who are volunteers of the area: for an
    area, its volunteers each sought among the day's actors; for the country, the day's actors
    each sought among the volunteers (fewer than all volunteers).
    """
    in_area = area_scope.inside(Volunteer.area_code, area) if area else true()
    verified, waiting = (
        await session.execute(
            select(
                func.count(Volunteer.verified_at),
                func.count() - func.count(Volunteer.verified_at),
            ).where(in_area)
        )
    ).one()
    if area:  # the area's volunteers, each looked up among the day's actors
        acted = select(ActorDay.actor_id).where(
            ActorDay.day == day, ActorDay.actor_id == Volunteer.user_id
        )
        counted = select(func.count()).where(in_area, acted.exists())
    else:  # the day's actors, each looked up among the volunteers
        counted = (
            select(func.count())
            .select_from(ActorDay)
            .join(Volunteer, Volunteer.user_id == ActorDay.actor_id)
            .where(ActorDay.day == day)
        )
    active = await session.scalar(counted)
    return {"verified": verified or 0, "waiting": waiting or 0, "active_today": active or 0}


async def _children(session: AsyncSession, area: str | None) -> list[dict]:
    """Return each child area with its active requests by status and those past their limit."""
    length = child_code_length(area)
    if length is None:
        return []
    children, _cursor = await areas_service.list_areas(
        session, parent=area, query=None, limit=1000, cursor=None
    )
    rows = await session.execute(
        select(
            RequestTally.scope,
            RequestTally.status,
            RequestTally.past_sla,
            func.sum(RequestTally.count),
        )
        .where(
            RequestTally.depth == length,
            area_scope.inside(RequestTally.scope, area or ""),
            RequestTally.incident_id.not_in(incidents_service.archived_ids()),
            RequestTally.status.in_([s.value for s in ACTIVE]),
        )
        .group_by(RequestTally.scope, RequestTally.status, RequestTally.past_sla)
    )
    found = {
        c.code: {"code": c.code, "name_th": c.name_th, "name_en": c.name_en, "past_sla": 0}
        | {s.value: 0 for s in ACTIVE}
        for c in children
    }
    for code, status, breached, count in rows:
        if code not in found:
            continue  # an area code not among the children listed
        found[code][status] += count
        if breached:
            found[code]["past_sla"] += count
    return list(found.values())


def _not_in_children(tallies: list[tuple], children: list[dict]) -> dict:
    """Return the area's active requests (by status, and past their limit) that none of its
    children holds: the area's tallies less the children's."""
    left = {s.value: 0 for s in ACTIVE} | {"past_sla": 0}
    for status, _category, _urgency, past, count in tallies:
        if status in left:
            left[status] += count
            left["past_sla"] += count if past else 0
    for child in children:
        for name in left:
            left[name] -= child[name]
    return left


async def figures(
    session: AsyncSession,
    *,
    area: str | None,
    day: date | None = None,
    now: datetime,
    stale_hours: float = 24.0,
) -> dict:
    """Return every figure of the dashboard for the area (None: the whole country).

    `stale_hours`: facilities' numbers older than this are flagged on the capacity board.
    A `day` after today (Bangkok) is 422 naming `date`.
    """
    today = now.astimezone(BANGKOK).date()
    if day is not None and day > today:  # nothing has happened yet: no figures to show
        raise invalid_field("date", "{field} is in the future: there are no figures for it yet.")
    day = day or today
    asked = day_window(day, now)
    durations = await _durations(session, area, day)
    tallies = await _tallies(session, area)
    active = {s.value for s in ACTIVE}
    active_now = sum(count for status, *_rest, count in tallies if status in active)
    children = await _children(session, area)
    past_sla = sum(count for *_keys, past, count in tallies if past)
    return {
        "area": area,
        "date": day,
        "as_of": now,
        "requests": _counts(tallies),
        "to_claim": durations["to_claim"],
        "to_resolve": durations["to_resolve"],
        "active_over_time": await _active_over_time(session, area, asked, active_now),
        "past_sla": await _past_sla(session, area, now, past_sla),
        "volunteers": await _volunteers(session, area, day),
        "children": children,
        "not_in_children": (
            None if child_code_length(area) is None else _not_in_children(tallies, children)
        ),
        "capacity": await capacity.board(session, area=area, now=now, stale_hours=stale_hours),
    }
