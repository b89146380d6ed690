"""Periodic jobs of the help request lifecycle: escalation, stale claims, expiry, anonymisation.

Each job flushes and the caller commits. Several processes may run them at once: candidates
are locked with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite writers are serialised by
BEGIN IMMEDIATE), and every change re-checks its condition, so a request is never flagged twice.
"""

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import and_, case, false, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.policy import Action
from jitasa.core import events as outbox_events
from jitasa.core.errors import Conflict
from jitasa.help_requests import actor_days, lifecycle, tally
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.states import ACTIVE, FINAL, Actor, Status
from jitasa.incidents import service as incidents_service

BATCH_SIZE = 500
STALE_CLAIM_AFTER = timedelta(hours=48)
CLAIMED = (Status.CLAIMED, Status.IN_PROGRESS)


async def _locked_batches(
    session: AsyncSession, condition, *, limit: int | None
) -> AsyncIterator[list[int]]:
    """Yield ids of matching requests in order, a batch at a time, skipping rows others locked."""
    last_id, taken = 0, 0
    while limit is None or taken < limit:
        size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - taken)
        # Keyset paging: a row that stops matching mid-run is never fetched again.
        statement = (
            select(HelpRequest.id)
            .where(condition, HelpRequest.id > last_id)
            .order_by(HelpRequest.id)
            .limit(size)
            .with_for_update(skip_locked=True)
        )
        ids = list(await session.scalars(statement))
        if not ids:
            return
        yield ids
        taken += len(ids)
        last_id = ids[-1]
        if len(ids) < size:
            return


def _system_event(request_id: int, *, kind: str, now: datetime, details: dict) -> dict:
    """Return a timeline entry written by the system (no actor, no move), ready to insert."""
    return {
        "request_id": request_id,
        "at": now,
        "actor_id": None,
        "kind": kind,
        "from_status": None,
        "to_status": None,
        "note": "",
        "reason": None,
        "details": details,
    }


async def _flag(
    session: AsyncSession,
    *,
    condition,
    values: dict,
    kind: str,
    details_of,
    now: datetime,
    limit: int | None,
    announce: str | None = None,
) -> int:
    """Set `values` on requests matching `condition` still, and add one timeline event each.

    With `announce`, each flagged request also gets an outbox event of that kind (the
    notifications consumer tells the area's coordinators of an escalation).
    """
    flagged = 0
    async for ids in _locked_batches(session, condition, limit=limit):
        # The same condition again: whoever gets here second finds nothing left to flag.
        changed = await session.execute(
            update(HelpRequest)
            .where(HelpRequest.id.in_(ids), condition)
            .values(**values)
            .returning(
                HelpRequest.id,
                HelpRequest.incident_id,
                HelpRequest.urgency,
                HelpRequest.code,
                HelpRequest.area_code,
                HelpRequest.category,
                HelpRequest.status,
                HelpRequest.public_lat,
                HelpRequest.public_lon,
            )
            .execution_options(synchronize_session=False)
        )
        rows = changed.all()
        if "sla_breached_at" in values:  # only open requests not yet flagged are flagged
            for row in rows:
                flagged_now = tally.kind_of(row._mapping, sla_breached_at=values["sla_breached_at"])
                tally.move(session, flagged_now._replace(past_sla=0), flagged_now)
        if announce:
            for row in rows:
                _announce_flag(session, announce, row, now=now)
        events = [
            _system_event(
                row.id, kind=kind, now=now, details=details_of(row.incident_id, row.urgency)
            )
            for row in rows
        ]
        if events:
            await session.execute(insert(RequestEvent), events)
        flagged += len(events)
    await session.flush()
    return flagged


def _announce_flag(session: AsyncSession, kind: str, row, *, now: datetime) -> None:
    """Record an outbox event for a flagged request: its public code and urgency, no person."""
    public = {"id": row.id, "code": row.code, "urgency": row.urgency}
    outbox_events.record(
        session,
        kind=kind,
        area_code=row.area_code,
        lat=row.public_lat,
        lon=row.public_lon,
        public=public,
        full={**public, "flagged_at": now.isoformat()},
        full_view_action=Action.MANAGE_REQUESTS,
    )


async def flag_past_sla(session: AsyncSession, *, now: datetime, limit: int | None = None) -> int:
    """Flag open requests waiting longer than their incident's limit for their urgency."""
    waiting = and_(HelpRequest.status == Status.OPEN, HelpRequest.sla_breached_at.is_(None))
    pairs = (
        await session.execute(
            select(HelpRequest.incident_id, HelpRequest.urgency).where(waiting).distinct()
        )
    ).all()
    incidents = await incidents_service.by_ids(session, {incident_id for incident_id, _ in pairs})
    # One exact cut-off per (incident, urgency) present, so the database does all filtering.
    past_limit = or_(
        false(),
        *(
            and_(
                HelpRequest.incident_id == incident_id,
                HelpRequest.urgency == urgency,
                HelpRequest.created_at
                <= now - timedelta(minutes=incidents[incident_id].sla_for(urgency)),
            )
            for incident_id, urgency in pairs
        ),
    )

    def details_of(incident_id: int, urgency: str) -> dict:
        return {"sla_minutes": incidents[incident_id].sla_for(urgency), "urgency": urgency}

    return await _flag(
        session,
        condition=and_(waiting, past_limit),
        values={"sla_breached_at": now},
        kind="escalated",
        details_of=details_of,
        now=now,
        limit=limit,
        announce="request.escalated",
    )


async def flag_stale_claims(
    session: AsyncSession, *, now: datetime, limit: int | None = None
) -> int:
    """Flag claimed requests with no update for 48 hours and not flagged since their last one."""
    hours = int(STALE_CLAIM_AFTER.total_seconds() // 3600)
    stale = and_(
        HelpRequest.status.in_(CLAIMED),
        HelpRequest.updated_at <= now - STALE_CLAIM_AFTER,
        or_(
            HelpRequest.stale_flagged_at.is_(None),
            HelpRequest.stale_flagged_at < HelpRequest.updated_at,
        ),
    )
    return await _flag(
        session,
        condition=stale,
        values={"stale_flagged_at": now},
        kind="stale_claim",
        details_of=lambda _incident_id, _urgency: {"hours": hours},
        now=now,
        limit=limit,
    )


async def expire(session: AsyncSession, *, now: datetime, limit: int | None = None) -> int:
    """Expire active requests with no update for their incident's expiry time."""
    active = HelpRequest.status.in_(ACTIVE)
    incident_ids = set(
        await session.scalars(select(HelpRequest.incident_id).where(active).distinct())
    )
    incidents = await incidents_service.by_ids(session, incident_ids)
    # An incident with no positive expiry time never expires its requests.
    past_expiry = or_(
        false(),
        *(
            and_(
                HelpRequest.incident_id == incident.id,
                HelpRequest.updated_at <= now - timedelta(hours=incident.expiry_hours),
            )
            for incident in incidents.values()
            if incident.expiry_hours and incident.expiry_hours > 0
        ),
    )
    expired = 0
    async for ids in _locked_batches(session, and_(active, past_expiry), limit=limit):
        batch = await session.scalars(
            select(HelpRequest)
            .where(HelpRequest.id.in_(ids))
            .order_by(HelpRequest.id)
            .execution_options(populate_existing=True)
        )
        for help_request in list(batch):
            hours = incidents[help_request.incident_id].expiry_hours
            try:
                await lifecycle.transition(
                    session,
                    help_request=help_request,
                    user=None,
                    to=Status.EXPIRED,
                    details={"hours": hours},
                    actors={Actor.SYSTEM},
                )
            except Conflict:
                continue  # moved by someone else since it was selected: nothing to expire
            expired += 1
    return expired


async def anonymise_closed(
    session: AsyncSession, *, now: datetime, retention_days: int, limit: int | None = None
) -> int:
    """Remove the personal data of requests closed more than `retention_days` ago."""
    # A final request always has closed_at; updated_at covers rows written otherwise.
    closed_long_ago = func.coalesce(
        HelpRequest.closed_at, HelpRequest.updated_at
    ) <= now - timedelta(days=retention_days)
    return await anonymise_where(
        session, closed_long_ago, now=now, details={"days": retention_days}, limit=limit
    )


async def anonymise_where(
    session: AsyncSession, condition, *, now: datetime, details: dict, limit: int | None = None
) -> int:
    """Remove the personal data of the final requests matching `condition`, once each.

    The retention sweep and a requester's withdrawal of consent both come here; the timeline
    gets an `anonymised` entry with `details` saying why.
    """
    condition = and_(condition, HelpRequest.status.in_(FINAL), HelpRequest.anonymised_at.is_(None))
    anonymised = 0
    async for ids in _locked_batches(session, condition, limit=limit):
        changed = await session.execute(
            update(HelpRequest)
            .where(HelpRequest.id.in_(ids), condition)
            .values(
                contact_name="",
                contact_phone="",
                description="",
                address_text="",
                mobility=None,  # how a transported patient moves is a health detail
                lat=HelpRequest.public_lat,
                lon=HelpRequest.public_lon,
                anonymised_at=now,
            )
            .returning(HelpRequest.id)
            .execution_options(synchronize_session=False)
        )
        done = list(changed.scalars())
        if not done:
            continue
        # Notes are free text and may name people; who asked for (health) help is personal
        # too, so the requester's own entries lose their author and the request its link.
        requester = (
            select(HelpRequest.requester_id)
            .where(HelpRequest.id == RequestEvent.request_id)
            .scalar_subquery()
        )
        losing = await session.execute(
            select(RequestEvent.actor_id, RequestEvent.at).where(
                RequestEvent.request_id.in_(done), RequestEvent.actor_id == requester
            )
        )
        actor_days.check(session, losing.all())  # may no longer have acted on those days
        await session.execute(
            update(RequestEvent)
            .where(RequestEvent.request_id.in_(done))
            .values(
                note="",
                actor_id=case(
                    (RequestEvent.actor_id == requester, None), else_=RequestEvent.actor_id
                ),
            )
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(HelpRequest)
            .where(HelpRequest.id.in_(done))
            .values(requester_id=None)
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            insert(RequestEvent),
            [
                _system_event(request_id, kind="anonymised", now=now, details=details)
                for request_id in done
            ],
        )
        anonymised += len(done)
    await session.flush()
    return anonymised
