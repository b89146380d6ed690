"""Keeping the requests' tallies (`RequestTally`) exact, in the transaction of every change.

Like the map's cell counts: each change adds +1/-1 to the keys it touches, gathered in the
session and written just before the commit, in key order (the busiest rows, the country's, are
locked for the shortest time, and two writers never deadlock on them). A rolled-back
transaction's changes are dropped with it.

Changes made through the ORM (a request added, or one whose status, category, urgency, area,
incident or SLA flag is changed and flushed) are counted here by themselves; the statements
that change rows in bulk (`lifecycle.move_from`, the SLA sweep, a bulk import) say so with
`count`/`move`.
"""

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import case, delete, event, func, insert, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from jitasa.core.words import CODE_LENGTHS
from jitasa.help_requests.models import HelpRequest, RequestTally
from jitasa.help_requests.states import Status

_DELTAS = "jitasa.request_tally_deltas"
DEPTHS = (0, *sorted(CODE_LENGTHS))  # the country, then provinces, districts, subdistricts
TALLIED = ("area_code", "incident_id", "status", "category", "urgency", "sla_breached_at")


class Kind(NamedTuple):
    """What the tallies count of one request."""

    area_code: str | None
    incident_id: int
    status: str
    category: str
    urgency: str
    past_sla: int  # open and flagged by the SLA sweep: 1, else 0


def kind_of(values: Any, **changes: Any) -> Kind:
    """Return the kind of a request (an object or mapping with the TALLIED fields).

    `changes` replace some of its values (the status it had before a move, say).
    """
    get = values.get if isinstance(values, Mapping) else lambda name: getattr(values, name)
    found = {name: changes[name] if name in changes else get(name) for name in TALLIED}
    status = str(found["status"])
    return Kind(
        found["area_code"],
        found["incident_id"],
        status,
        found["category"],
        found["urgency"],
        int(status == Status.OPEN and found["sla_breached_at"] is not None),
    )


def _keys(kind: Kind) -> Iterable[tuple]:
    """Yield the key of every tally row that counts a request of this kind."""
    area = kind.area_code or ""
    for depth in DEPTHS:
        if depth == 0 or len(area) >= depth:
            yield (depth, area[:depth], kind.incident_id, *kind[2:])


def count(session: AsyncSession | Session, kind: Kind, delta: int) -> None:
    """Add `delta` requests of this kind to the tallies when the transaction commits."""
    sync = session.sync_session if isinstance(session, AsyncSession) else session
    deltas = sync.info.setdefault(_DELTAS, {})
    for key in _keys(kind):
        deltas[key] = deltas.get(key, 0) + delta


def move(session: AsyncSession | Session, before: Kind, after: Kind) -> None:
    """Count a changed request under its new kind instead of its old one."""
    if before != after:
        count(session, before, -1)
        count(session, after, +1)


def _history_kind(obj: HelpRequest) -> tuple[Kind, bool]:
    """Return the kind an ORM request had before its pending changes, and whether a tallied
    field changed.

    The tallied columns keep their old value when set (`active_history`); an old value of None
    is recorded as no value, so a field set without one was None before.
    """
    state = inspect(obj)
    before, changed = {}, False
    for name in TALLIED:
        history = state.attrs[name].history
        if history.deleted or history.added:
            before[name] = history.deleted[0] if history.deleted else None
            changed = True
        else:
            before[name] = getattr(obj, name)  # unchanged (loaded now if it was not)
    return kind_of(before), changed


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    """Count the requests the flush added, changed or deleted through the ORM."""
    for obj in session.new:
        if isinstance(obj, HelpRequest):
            count(session, kind_of(obj), +1)
    for obj in session.dirty:
        if isinstance(obj, HelpRequest):
            before, changed = _history_kind(obj)
            if changed:
                move(session, before, kind_of(obj))
    for obj in session.deleted:
        if isinstance(obj, HelpRequest):
            count(session, _history_kind(obj)[0], -1)


@cache
def _upsert(dialect: str):
    """Return an INSERT that adds to the counts of rows that exist already (built once per
    dialect, on the table: see `clusters.service._upsert`)."""
    module = postgresql if dialect == "postgresql" else sqlite
    table = RequestTally.__table__
    statement = module.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"count": table.c.count + statement.excluded.count},
    )


_COLUMNS = ("depth", "scope", "incident_id", "status", "category", "urgency", "past_sla")


@event.listens_for(Session, "before_commit")
def _apply(session: Session) -> None:
    """Write the transaction's tally changes just before it commits, in key order."""
    deltas = session.info.pop(_DELTAS, None)
    if not deltas:
        return
    rows = [
        dict(zip(_COLUMNS, key, strict=True), count=delta)
        for key, delta in sorted(deltas.items())
        if delta
    ]
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), rows)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """Drop the tally changes of a rolled-back transaction."""
    session.info.pop(_DELTAS, None)


def recount_statements() -> list:
    """Return the statements that rebuild every tally from the requests (after a delete)."""
    past = case(
        (
            (HelpRequest.status == Status.OPEN) & HelpRequest.sla_breached_at.is_not(None),
            1,
        ),
        else_=0,
    )
    statements = []
    for depth in DEPTHS:
        scope = func.substr(HelpRequest.area_code, 1, depth) if depth else literal("")
        kinds = (
            HelpRequest.incident_id,
            HelpRequest.status,
            HelpRequest.category,
            HelpRequest.urgency,
            past,
        )
        rows = select(literal(depth), scope, *kinds, func.count()).group_by(*kinds)
        if depth:
            rows = rows.where(func.length(HelpRequest.area_code) >= depth).group_by(scope)
        statements.append(insert(RequestTally).from_select([*_COLUMNS, "count"], rows))
    return statements


async def recount(session: AsyncSession) -> int:
    """Rebuild the tallies from the requests in this transaction; return the rows written."""
    session.sync_session.info.pop(_DELTAS, None)  # the recount counts them already
    await session.flush()
    session.sync_session.info.pop(_DELTAS, None)
    await session.execute(delete(RequestTally))
    for statement in recount_statements():
        await session.execute(statement)
    return await session.scalar(select(func.count()).select_from(RequestTally)) or 0
