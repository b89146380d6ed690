"""The coordinator's desk: the area's queue, by what needs a person now, and bulk closing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.audit import service as audit_service
from jitasa.core import area_scope
from jitasa.core.errors import Conflict, DomainError, invalid_field
from jitasa.core.words import BY_NEED
from jitasa.help_requests import lifecycle, service
from jitasa.help_requests.models import HelpRequest, RequestTally
from jitasa.help_requests.states import ACTIVE, TAKEN, CloseReason, Status

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User

QUEUE_LIMIT = 200

# Waiting past its time limit: open, and flagged by the SLA sweep.
PAST_SLA = and_(HelpRequest.status == Status.OPEN, HelpRequest.sla_breached_at.is_not(None))
NEED_RANK = case({u.value: rank for rank, u in enumerate(BY_NEED)}, value=HelpRequest.urgency)


def queue_order():
    """Order requests by what needs a person now: past their limit, then urgency, then age."""
    return (case((PAST_SLA, 0), else_=1), NEED_RANK, HelpRequest.created_at, HelpRequest.id)


async def _sizes(
    session: AsyncSession,
    *,
    area: str | None,
    statuses: list[str],
    categories: list[str],
    urgencies: list[str],
) -> dict[tuple[int, str, str], int]:
    """Return how many of the area's requests of these statuses, categories and urgencies
    (all when empty) there are, by (past their limit, urgency, status), from the tallies."""
    scope = area or ""
    statement = (
        select(RequestTally.past_sla, RequestTally.urgency, RequestTally.status)
        .add_columns(func.sum(RequestTally.count))
        .where(
            RequestTally.depth == len(scope),
            RequestTally.scope == scope,
            RequestTally.status.in_(statuses),
        )
        .group_by(RequestTally.past_sla, RequestTally.urgency, RequestTally.status)
    )
    if categories:
        statement = statement.where(RequestTally.category.in_(categories))
    if urgencies:
        statement = statement.where(RequestTally.urgency.in_(urgencies))
    return {
        (past, urgency, status): n
        for past, urgency, status, n in await session.execute(statement)
        if n
    }


async def _first_in_order(
    session: AsyncSession, statement, *, sizes: dict[tuple[int, str, str], int], limit: int
) -> list[HelpRequest]:
    """Return the first `limit` requests of the statement in `queue_order`.

    The order is past their limit first, then by need, then oldest: the groups are read in
    that order (those the tallies say are empty are skipped), each status of a group as one
    run of the (urgency, status, created_at) index, and the runs merged here.
    """
    ranks = {u.value: rank for rank, u in enumerate(BY_NEED)}
    found: list[HelpRequest] = []
    for past in (1, 0):
        for urgency in sorted(
            {u for p, u, _ in sizes if p == past}, key=lambda u: ranks.get(u, len(ranks))
        ):
            wanted = limit - len(found)
            if wanted <= 0:
                return found
            condition = PAST_SLA if past else ~PAST_SLA
            group: list[HelpRequest] = []
            for status in sorted({s for p, u, s in sizes if (p, u) == (past, urgency)}):
                group += await session.scalars(
                    statement.where(
                        HelpRequest.urgency == urgency, HelpRequest.status == status, condition
                    )
                    .order_by(HelpRequest.created_at, HelpRequest.id)
                    .limit(wanted)
                )
            found += sorted(group, key=lambda r: (r.created_at, r.id))[:wanted]
    return found


async def queue(
    session: AsyncSession,
    *,
    staff: User,
    area: str | None,
    statuses: list[str],
    categories: list[str],
    urgencies: list[str],
    client_ip: str,
    limit: int = QUEUE_LIMIT,
) -> tuple[list[HelpRequest], int]:
    """Return the area's queue (active requests unless statuses are chosen) and its full size.

    The queue shows contacts, so the staff member's read is audited.
    """
    policy.require(staff, Action.MANAGE_REQUESTS, area_code=area)
    statuses = statuses or [s.value for s in ACTIVE]
    statement = select(HelpRequest)
    if area:
        statement = statement.where(area_scope.inside(HelpRequest.area_code, area))
    statement = service.kind_filters(
        statement, statuses=statuses, categories=categories, urgencies=urgencies
    )
    sizes = await _sizes(
        session, area=area, statuses=statuses, categories=categories, urgencies=urgencies
    )
    total = sum(sizes.values())
    found = await _first_in_order(session, statement, sizes=sizes, limit=limit)
    if found:
        await audit_service.record(
            session,
            action="personal_data.read",
            actor_id=staff.id,
            subject_type="help_requests",
            area_code=area,
            client_ip=client_ip,
            count=len(found),
        )
    return found, total


KEEP_ONLY_FOR_DUPLICATES = (
    "{field} names the request duplicates are merged into: give it when, and only when, the "
    "reason is duplicate."
)
TAKEN_NOT_CLOSED = (
    "{code} is held by a volunteer, so it was not closed; to close it anyway, tick "
    '"Also close requests a volunteer holds".'
)


async def close_many(
    session: AsyncSession,
    *,
    staff: User,
    request_ids: list[int],
    reason: CloseReason,
    keep_id: int | None,
    note: str,
    close_taken: bool = False,
) -> tuple[list[int], list[dict], list[int]]:
    """Close several requests: merged into `keep_id` as duplicates, or for the reason given.

    `keep_id` is given with the reason duplicate and only then (else a 422 on `keep_id`); a
    kept request outside the staff member's area refuses the whole call (403).
    Returns (closed ids, refusals, ids of the closed that a volunteer held). Each id counts once
    however often it is sent. Each one is checked on its own, as the single actions check it
    (403 `auth.out_of_area` outside the staff member's area, 409 for its status); a request a
    volunteer holds (claimed, under way) is refused with 409 `request.taken` unless
    `close_taken`, as closing it ends that volunteer's task. Refusals are
    {request_id, code, detail, detail_th}; the others are closed.
    """
    policy.require_staff(staff)
    if (reason == CloseReason.DUPLICATE) != (keep_id is not None):
        raise invalid_field("keep_id", KEEP_ONLY_FOR_DUPLICATES)
    keep = None
    if keep_id is not None:
        keep = await service.get_or_raise(session, request_id=keep_id)
        # Every merge into it would be refused: told once, for the kept request.
        policy.require(staff, Action.MANAGE_REQUESTS, area_code=keep.area_code)
    closed, refused, taken = [], [], []
    for request_id in dict.fromkeys(request_ids):
        try:
            help_request = await service.get_or_raise(session, request_id=request_id)
            # Every refusal comes before the request is changed, so nothing needs undoing.
            policy.require(staff, Action.MANAGE_REQUESTS, area_code=help_request.area_code)
            held = Status(help_request.status) in TAKEN
            if held and not close_taken:
                raise Conflict("request.taken", TAKEN_NOT_CLOSED, {"code": help_request.code})
            if keep is not None:
                await lifecycle.merge(
                    session, duplicate=help_request, keep=keep, staff=staff, note=note
                )
            else:
                await lifecycle.transition(
                    session,
                    help_request=help_request,
                    user=staff,
                    to=Status.CLOSED,
                    note=note,
                    reason=reason,
                )
        except DomainError as error:
            refused.append(
                {
                    "request_id": request_id,
                    "code": error.code,
                    "detail": error.detail,
                    "detail_th": error.detail_th,
                }
            )
        else:
            closed.append(request_id)
            if held:
                taken.append(request_id)
    return closed, refused, taken
