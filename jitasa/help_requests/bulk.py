"""Many help requests at once, for imports: rows checked as the API checks them, written by batch.

A batch's good rows go in with a few multi-row INSERTs, its timeline with one more, its map
counts move once (the batch's cell deltas summed) and one summary event tells of it. How bad
rows and failing batches are handled: `jitasa.core.bulk`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core.bulk import BATCH_SIZE, ImportReport, Row, RowProblem, in_batches
from jitasa.core.db import utcnow
from jitasa.core.errors import DomainError, Invalid
from jitasa.core.validation import field_errors
from jitasa.help_requests import actor_days, service, signals
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestCreate
from jitasa.help_requests.states import Status

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User
    from jitasa.incidents.models import Incident

TABLE = HelpRequest.__table__


async def create_many(
    session: AsyncSession,
    *,
    rows: Iterable[Row],
    requester: User,
    refresh_seconds: float,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Check and write rows as requests, committing each batch; report the rows left out."""

    async def write(batch: Sequence[Row], first_row: int) -> ImportReport:
        return await create_batch(
            session,
            rows=batch,
            first_row=first_row,
            requester=requester,
            refresh_seconds=refresh_seconds,
        )

    return await in_batches(session, rows, write, batch_size=batch_size)


async def create_batch(
    session: AsyncSession,
    *,
    rows: Sequence[Row],
    first_row: int,
    requester: User,
    refresh_seconds: float,
) -> ImportReport:
    """Write one batch's good rows in the caller's transaction; report the bad ones."""
    report = ImportReport()
    now = utcnow()
    incidents: dict[str | None, Incident | DomainError] = {}
    prepared: list[dict[str, object]] = []
    for number, row in enumerate(rows, start=first_row):
        try:
            request_in = HelpRequestCreate.model_validate(row)
            incident = await _incident(session, request_in.incident, incidents)
            prepared.append(
                await service.prepare(
                    session,
                    request_in=request_in,
                    incident=incident,
                    requester=requester,
                    refresh_seconds=refresh_seconds,
                    now=now,
                )
            )
        except (ValidationError, DomainError) as error:
            report.problems.append(RowProblem(number, field_errors(error, whole="row")))
    if not prepared:
        return report
    for values, code in zip(prepared, await _unused_codes(session, len(prepared)), strict=True):
        values["code"] = code
    written = await session.execute(insert(TABLE).returning(TABLE.c.id, TABLE.c.code), prepared)
    id_of = {code: request_id for request_id, code in written}
    report.created_ids = [id_of[values["code"]] for values in prepared]
    await session.execute(
        insert(RequestEvent.__table__),
        [
            {
                "request_id": request_id,
                "at": now,
                "actor_id": requester.id,
                "kind": "created",
                "to_status": Status.OPEN,
            }
            for request_id in report.created_ids
        ],
    )
    signals.imported(session, prepared, ids=report.created_ids)
    actor_days.acted(session, [(requester.id, now)])
    return report


async def _incident(
    session: AsyncSession, code: str | None, known: dict[str | None, Incident | DomainError]
) -> Incident:
    """Return a row's incident, looked up once per batch (and its refusal, once too)."""
    if code not in known:
        try:
            known[code] = await service.incident_of(session, code=code)
        except DomainError as error:
            errors = field_errors(error, whole="incident")
            known[code] = Invalid(
                error.code, error.message, error.params, errors, params_th=error.params_th
            )
    found = known[code]
    if isinstance(found, DomainError):
        raise found
    return found


async def _unused_codes(session: AsyncSession, count: int) -> list[str]:
    """Return `count` distinct tracking codes that no request has yet."""
    codes: set[str] = set()
    while len(codes) < count:
        fresh = {service.new_code() for _ in range(count - len(codes))} - codes
        taken = await session.scalars(select(HelpRequest.code).where(HelpRequest.code.in_(fresh)))
        codes |= fresh - set(taken)
    return list(codes)
