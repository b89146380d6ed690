"""Keeping the requests' timings exact, in the transaction of every change.

Per area scope (the country, then every area containing the request, as the tallies count) and
incident:

- `RequestDuration` and `RequestDurationTotal`: how long requests waited from posting to their
  first take (the earliest `claimed` or `assigned` entry of their timeline: measure "claim") and
  to being resolved ("resolve"), by Bangkok day of the take or resolution and over all days, in
  kept minutes (`kept_minutes`);
- `RequestDay`: how many requests were posted, and how many finished (a final status, at its
  `closed_at`), on each Bangkok day.

Like `tally.py`: each change adds +1/-1 to the keys it touches, gathered in the session and
written just before the commit in key order; a rolled-back transaction's changes are dropped.
What a request's own row says is counted from ORM flushes by itself, and from the statements
that change rows in bulk through `moved` (`lifecycle.move_from`) and `imported` (imports). A
first take lives on the timeline: a flush that adds, changes or removes timeline entries, or
changes a request's area, incident or posting time, reads those requests' first take before it
(one indexed query), and again after it unless entries were only added.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import delete, event, func, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from jitasa.core.thai import BANGKOK
from jitasa.help_requests import timing_sql
from jitasa.help_requests.models import (
    HelpRequest,
    RequestDay,
    RequestDuration,
    RequestDurationTotal,
    RequestEvent,
)
from jitasa.help_requests.states import ACTIVE, FINAL, Status
from jitasa.help_requests.tally import DEPTHS

TAKES = ("claimed", "assigned")  # timeline kinds by which a volunteer takes a request
CLAIM, RESOLVE = "claim", "resolve"
MINUTE = timedelta(minutes=1)
ROW_FIELDS = ("area_code", "incident_id", "created_at", "status", "closed_at")
PLACE_FIELDS = ("area_code", "incident_id", "created_at")  # what a first take's count reads
_DELTAS = "jitasa.request_timing_deltas"
_BEFORE = "jitasa.request_first_takes_before"


def kept_minutes(waited: timedelta) -> int:
    """Return a wait as it is kept: whole minutes rounded down, then to three significant
    figures toward zero (to the minute under 1,000, to 10 under 10,000, to 100 under 100,000,
    to 1,000 beyond: less than 1 % below the whole minutes)."""
    minutes = waited // MINUTE
    size = abs(minutes)
    width = 1 if size < 1_000 else 10 if size < 10_000 else 100 if size < 100_000 else 1_000
    return size // width * width * (1 if minutes >= 0 else -1)


def bangkok_day(moment: datetime) -> date:
    """Return the Bangkok calendar day of an aware moment."""
    return moment.astimezone(BANGKOK).date()


class Row(NamedTuple):
    """What the kept timings count of a request's own row."""

    area_code: str | None
    incident_id: int
    created_at: datetime
    status: str
    closed_at: datetime | None


class Take(NamedTuple):
    """A request's first take (`at`, None when never taken) and what its count reads."""

    area_code: str | None
    incident_id: int
    created_at: datetime
    at: datetime | None


def row_of(values: Any, **changes: Any) -> Row:
    """Return the counted fields of a request (an object or a mapping); `changes` replace some."""
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name)
    found = {name: changes[name] if name in changes else get(name) for name in ROW_FIELDS}
    return Row(**found | {"status": str(found["status"])})


def _scopes(area_code: str | None) -> Iterable[tuple[int, str]]:
    """Yield (depth, scope) of the country and of every area containing this area code."""
    area = area_code or ""
    for depth in DEPTHS:
        if depth == 0 or len(area) >= depth:
            yield depth, area[:depth]


def _deltas(session: AsyncSession | Session) -> tuple[dict, dict, dict]:
    """Return the transaction's pending changes: days, durations by day, duration totals."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    return sync.info.setdefault(_DELTAS, ({}, {}, {}))


def _add(found: dict, key: tuple, delta: tuple[int, ...] | int) -> None:
    """Add a delta (a number, or a tuple of numbers) to a key's pending change."""
    if isinstance(delta, tuple):
        old = found.get(key, (0,) * len(delta))
        found[key] = tuple(a + b for a, b in zip(old, delta, strict=True))
    else:
        found[key] = found.get(key, 0) + delta


def _count_wait(
    session: AsyncSession | Session,
    area: str | None,
    incident: int,
    measure: str,
    at: datetime,
    since: datetime,
    delta: int,
) -> None:
    """Count one wait (from `since` to `at`) of this measure under every scope."""
    _days, durations, totals = _deltas(session)
    day, minutes = bangkok_day(at), kept_minutes(at - since)
    for depth, scope in _scopes(area):
        _add(durations, (depth, scope, day, measure, minutes, incident), delta)
        _add(totals, (depth, scope, measure, minutes, incident), delta)


def count_row(session: AsyncSession | Session, row: Row, delta: int) -> None:
    """Count a request's posting, finishing and resolution `delta` times."""
    days = _deltas(session)[0]
    finished = row.closed_at if row.status in FINAL and row.closed_at is not None else None
    for depth, scope in _scopes(row.area_code):
        _add(days, (depth, scope, bangkok_day(row.created_at), row.incident_id), (delta, 0))
        if finished is not None:
            _add(days, (depth, scope, bangkok_day(finished), row.incident_id), (0, delta))
    if row.status == Status.RESOLVED and row.closed_at is not None:
        _count_wait(
            session, row.area_code, row.incident_id, RESOLVE, row.closed_at, row.created_at, delta
        )


def count_take(session: AsyncSession | Session, take: Take | None, delta: int) -> None:
    """Count a request's first take `delta` times (nothing when it was never taken)."""
    if take is not None and take.at is not None:
        _count_wait(
            session, take.area_code, take.incident_id, CLAIM, take.at, take.created_at, delta
        )


def moved(session: AsyncSession, help_request: HelpRequest, *, from_status: str) -> None:
    """Count a request a bulk statement moved out of `from_status` (`lifecycle.move_from`).

    Moves start from an active status (the state machine has none out of a final one), which
    has no `closed_at`.
    """
    closed_at = None if from_status in ACTIVE else help_request.closed_at
    before = row_of(help_request, status=from_status, closed_at=closed_at)
    after = row_of(help_request)
    if before != after:
        count_row(session, before, -1)
        count_row(session, after, +1)


def imported(session: AsyncSession, rows: Iterable[Mapping]) -> None:
    """Count requests written by a bulk insert (an import's batch)."""
    for row in rows:
        count_row(session, row_of(row), +1)


def _row_before(obj: HelpRequest) -> tuple[Row, bool]:
    """Return what an ORM request was counted as before its pending changes, and whether a
    counted field changed (the counted columns keep their old value: `active_history`)."""
    state = inspect(obj)
    before, changed = {}, False
    for name in ROW_FIELDS:
        history = state.attrs[name].history
        if history.deleted or history.added:
            before[name] = history.deleted[0] if history.deleted else None
            changed = True
        else:
            before[name] = getattr(obj, name)
    return row_of(before), changed


def _changed(obj: object, names: Iterable[str]) -> bool:
    """Tell whether a flush will change any of these attributes of an ORM object."""
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _first_takes(session: Session, ids: set[int]) -> dict[int, Take]:
    """Read these requests' first takes as the database holds them now."""
    rows = session.connection().execute(
        select(
            HelpRequest.id,
            HelpRequest.area_code,
            HelpRequest.incident_id,
            HelpRequest.created_at,
            func.min(RequestEvent.at),
        )
        .outerjoin(
            RequestEvent,
            (RequestEvent.request_id == HelpRequest.id) & RequestEvent.kind.in_(TAKES),
        )
        .where(HelpRequest.id.in_(sorted(ids)))
        .group_by(HelpRequest.id, HelpRequest.area_code, HelpRequest.incident_id)
        .group_by(HelpRequest.created_at)
    )
    return {request_id: Take(*fields) for request_id, *fields in rows}


@event.listens_for(Session, "before_flush")
def _takes_before(session: Session, _context, _instances) -> None:
    """Read the first takes a flush may change, before it changes them."""
    added: dict[int, list[RequestEvent]] = {}
    others: set[int] = set()
    for obj in session.new:
        if isinstance(obj, RequestEvent) and obj.kind in TAKES:
            added.setdefault(obj.request_id, []).append(obj)
    for obj in session.dirty:
        if isinstance(obj, RequestEvent) and _changed(obj, ("kind", "at", "request_id")):
            history = inspect(obj).attrs.request_id.history
            others.update([obj.request_id, *history.deleted])
        elif isinstance(obj, HelpRequest) and _changed(obj, PLACE_FIELDS):
            others.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, RequestEvent):
            others.add(obj.request_id)
        elif isinstance(obj, HelpRequest):
            others.add(obj.id)
    ids = (set(added) | others) - {None}
    if ids:
        session.info[_BEFORE] = (_first_takes(session, ids), added, others)


def _takes_after(session: Session) -> None:
    """Move the first takes the flush changed to where they stand now."""
    stash = session.info.pop(_BEFORE, None)
    if stash is None:
        return
    before, added, others = stash
    if others:  # entries or requests changed: read the first takes again
        after = _first_takes(session, set(before))
    else:  # entries only added: the first take is the earliest of the old one and the new
        after = {}
        for request_id, take in before.items():
            moments = [e.at for e in added.get(request_id, [])]
            after[request_id] = take._replace(at=min(filter(None, [take.at, *moments])))
    for request_id in set(before) | set(after):
        old, new = before.get(request_id), after.get(request_id)
        if old != new:
            count_take(session, old, -1)
            count_take(session, new, +1)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    """Count the requests the flush added, changed or deleted, and the first takes it moved."""
    for obj in session.new:
        if isinstance(obj, HelpRequest):
            count_row(session, row_of(obj), +1)
    for obj in session.dirty:
        if isinstance(obj, HelpRequest):
            before, changed = _row_before(obj)
            if changed:
                count_row(session, before, -1)
                count_row(session, row_of(obj), +1)
    for obj in session.deleted:
        if isinstance(obj, HelpRequest):
            count_row(session, _row_before(obj)[0], -1)
    _takes_after(session)


@cache
def _upsert(dialect: str, model, sums: tuple[str, ...]):
    """Return an INSERT that adds to the sums of rows that exist already (built once per
    dialect and table, on the table: see `clusters.service._upsert`)."""
    module = postgresql if dialect == "postgresql" else sqlite
    table = model.__table__
    statement = module.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={name: table.c[name] + statement.excluded[name] for name in sums},
    )


_TABLES = (
    (RequestDay, ("depth", "scope", "day", "incident_id"), ("posted", "finished")),
    (RequestDuration, ("depth", "scope", "day", "measure", "minutes", "incident_id"), ("count",)),
    (RequestDurationTotal, ("depth", "scope", "measure", "minutes", "incident_id"), ("count",)),
)


@event.listens_for(Session, "before_commit")
def _apply(session: Session) -> None:
    """Write the transaction's changes just before it commits, in key order.

    Pending ORM changes are flushed first: the commit's own flush comes after this hook.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()
    deltas = session.info.pop(_DELTAS, None)
    if not deltas:
        return
    dialect = session.get_bind().dialect.name
    for (model, keys, sums), found in zip(_TABLES, deltas, strict=True):
        rows = [
            dict(zip(keys, key, strict=True))
            | dict(zip(sums, delta if isinstance(delta, tuple) else (delta,), strict=True))
            for key, delta in sorted(found.items())
            if delta != 0 and delta != (0,) * len(sums)
        ]
        if rows:
            session.execute(_upsert(dialect, model, sums), rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the changes of a rolled-back transaction."""
    session.info.pop(_DELTAS, None)
    session.info.pop(_BEFORE, None)


async def recount(session: AsyncSession) -> int:
    """Rebuild every kept timing from the requests and their timelines in this transaction;
    return the rows written."""
    await session.flush()
    session.sync_session.info.pop(_DELTAS, None)  # the recount counts them already
    for model in (RequestDay, RequestDuration, RequestDurationTotal):
        await session.execute(delete(model))
    dialect = session.get_bind().dialect.name
    for statement in timing_sql.fill_statements(dialect):
        await session.execute(text(statement))
    written = 0
    for model in (RequestDay, RequestDuration, RequestDurationTotal):
        written += await session.scalar(select(func.count()).select_from(model)) or 0
    return written
