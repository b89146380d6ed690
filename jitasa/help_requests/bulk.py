"""Many help requests at once, for imports: rows checked as the API checks them, written by batch.

A batch is one transaction: its good rows go in with a few multi-row INSERTs, its map counts
move once, and one summary event tells of it. Bad rows are reported by row number and left out;
the good rows of the same batch are still written, so one typo does not hold back a thousand
requests (the importer shows the bad rows to fix and send again).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.models import User
from jitasa.core.db import utcnow
from jitasa.core.errors import DomainError, FieldError, Invalid
from jitasa.core.validation import field_errors
from jitasa.help_requests import service, signals
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestCreate
from jitasa.help_requests.states import Status
from jitasa.incidents.models import Incident

BATCH_SIZE = 1000
TABLE = HelpRequest.__table__


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one row of an import, by its number (the first row is 1)."""

    row: int
    errors: list[FieldError]

    def as_dict(self) -> dict[str, object]:
        """Return the problem as JSON-ready data."""
        return {"row": self.row, "errors": [e.as_dict() for e in self.errors]}


@dataclass
class ImportReport:
    """The ids of the requests written and the rows left out, with why."""

    created_ids: list[int] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def add(self, other: "ImportReport") -> None:
        """Take in the report of a further batch."""
        self.created_ids += other.created_ids
        self.problems += other.problems


async def create_many(
    session: AsyncSession,
    *,
    rows: Iterable[Mapping[str, object]],
    requester: User,
    refresh_seconds: float,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Check and write rows as requests, committing each batch; report the rows left out.

    A batch that fails in the database is rolled back whole and the error raised; the batches
    before it stay written (their ids are in the report of the rows so far).
    """
    report = ImportReport()
    first_row, remaining = 1, iter(rows)
    while batch := tuple(islice(remaining, batch_size)):
        try:
            written = await create_batch(
                session,
                rows=batch,
                first_row=first_row,
                requester=requester,
                refresh_seconds=refresh_seconds,
            )
            await session.commit()
        except BaseException:
            await session.rollback()  # and with it the batch's map count changes
            raise
        report.add(written)
        first_row += len(batch)
    return report


async def create_batch(
    session: AsyncSession,
    *,
    rows: Sequence[Mapping[str, object]],
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
            known[code] = Invalid(error.code, error.message, error.params, errors)
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
