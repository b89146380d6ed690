"""Many volunteer profiles at once, for imports: rows checked as the form checks them, by batch.

A row is a profile as `VolunteerSave` takes it plus the person's phone. The person is found or
made and given the volunteer role (`accounts.bulk`), as registering one by one would; a phone
that already has a profile is refused (an import creates, it does not update). Volunteers have
no map layer: a batch records one `volunteers.imported` event per home area, for the live
dashboard (`volunteers.signals`). How bad rows and failing batches are handled:
`jitasa.core.bulk`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import bulk as accounts_bulk
from jitasa.core.bulk import BATCH_SIZE, ImportReport, Row, RowProblem, in_batches
from jitasa.core.db import utcnow
from jitasa.core.errors import DomainError, invalid_field
from jitasa.core.validation import field_errors
from jitasa.core.words import Role
from jitasa.volunteers import service, signals
from jitasa.volunteers.models import Volunteer
from jitasa.volunteers.schemas import VolunteerImport

if TYPE_CHECKING:  # types only: other domains are read through their services
    from jitasa.accounts.models import User

TABLE = Volunteer.__table__


async def create_many(
    session: AsyncSession,
    *,
    rows: Iterable[Row],
    importer: User,
    refresh_seconds: float,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Check and write rows as volunteer profiles, committing each batch; report rows left out."""

    async def write(batch: Sequence[Row], first_row: int) -> ImportReport:
        return await create_batch(
            session,
            rows=batch,
            first_row=first_row,
            importer=importer,
            refresh_seconds=refresh_seconds,
        )

    return await in_batches(session, rows, write, batch_size=batch_size)


async def create_batch(
    session: AsyncSession,
    *,
    rows: Sequence[Row],
    first_row: int,
    importer: User,
    refresh_seconds: float,
) -> ImportReport:
    """Write one batch's good rows in the caller's transaction; report the bad ones."""
    report = ImportReport()
    valid: list[tuple[int, VolunteerImport]] = []
    for number, row in enumerate(rows, start=first_row):
        try:
            valid.append((number, VolunteerImport.model_validate(row)))
        except (ValidationError, DomainError) as error:
            report.problems.append(RowProblem(number, field_errors(error, whole="row")))
    areas = await service.home_areas(  # the batch's pins located in one pass
        session,
        pins=[(v.home_lat, v.home_lon, v.area_code) for _, v in valid],
        refresh_seconds=refresh_seconds,
    )
    checked: dict[str, tuple[int, VolunteerImport, str]] = {}
    for (number, volunteer_in), area_code in zip(valid, areas, strict=True):
        if volunteer_in.phone in checked:
            area_code = invalid_field(
                "phone",
                "This phone number is also in row {row}.",
                row=checked[volunteer_in.phone][0],
            )
        if isinstance(area_code, DomainError):
            report.problems.append(RowProblem(number, field_errors(area_code, whole="row")))
            continue
        checked[volunteer_in.phone] = (number, volunteer_in, area_code)
    await _refuse_registered(session, checked, report)
    if not checked:
        return report
    names = {phone: volunteer_in.display_name for phone, (_, volunteer_in, _) in checked.items()}
    user_ids = await accounts_bulk.save_many_with_role(
        session,
        people=names,
        role=Role.VOLUNTEER,
        actor_id=importer.id,
    )
    now = utcnow()
    written = await session.execute(
        insert(TABLE).returning(TABLE.c.user_id, TABLE.c.id),
        [
            {
                "user_id": user_ids[phone],
                "kind": volunteer_in.kind,
                "skills": list(volunteer_in.skills),
                "vehicle": volunteer_in.vehicle,
                "ppe_trained": volunteer_in.ppe_trained,
                "home_lat": volunteer_in.home_lat,
                "home_lon": volunteer_in.home_lon,
                "area_code": area_code,
                "service_radius_km": volunteer_in.service_radius_km,
                "available_now": volunteer_in.available_now,
                "created_at": now,
                "updated_at": now,
            }
            for phone, (_number, volunteer_in, area_code) in checked.items()
        ],
    )
    id_of = {user_id: volunteer_id for user_id, volunteer_id in written}
    report.created_ids = [id_of[user_ids[phone]] for phone in checked]
    signals.imported(session, (area_code for _number, _in, area_code in checked.values()))
    return report


async def _refuse_registered(
    session: AsyncSession, checked: dict[str, tuple], report: ImportReport
) -> None:
    """Take the rows of people who already have a volunteer profile out, as problems."""
    known = await accounts_bulk.ids_by_phone(session, phones=list(checked))
    registered = set(
        await session.scalars(
            select(Volunteer.user_id).where(Volunteer.user_id.in_(list(known.values())))
        )
    )
    for phone, user_id in known.items():
        if user_id in registered:
            number = checked.pop(phone)[0]
            error = invalid_field("phone", "This phone number already has a volunteer profile.")
            report.problems.append(RowProblem(number, error.errors))
    report.problems.sort(key=lambda problem: problem.row)
