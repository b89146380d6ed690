"""Vaccine doses: one recorded from an อสม.'s phone, or a million imported in batches.

A dose row keeps the person's national ID digest (not a resident id), so doses import before or
after the register and join to residents when read. One person has one dose of each number: a
repeat is left out (`ON CONFLICT DO NOTHING`), never doubled. The bulk path is one multi-row
INSERT per batch, with no ORM object and no lookup per row.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.audit import service as audit
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict, FieldError, Invalid, NotFound
from jitasa.core.field_names import thai_field
from jitasa.core.i18n import thai
from jitasa.core.thai import BANGKOK, format_date, format_thai_date
from jitasa.vaccination import register_counts
from jitasa.vaccination.models import Dose, Resident
from jitasa.vaccination.schemas import DoseCreate

FUTURE_DATE = "The date {value} is in the future; a dose is recorded once given."
FIRST_VACCINATION = date(2021, 2, 28)  # Thailand's first COVID-19 vaccination
BEFORE_FIRST = (
    "{field}: {value} is before Thailand's first COVID-19 vaccination (28 February 2021 CE, "
    "2564 BE); check the year."
)
BE_AS_CE = (
    "{field}: the year {year} looks like a Buddhist Era year (พ.ศ.) written as CE (ค.ศ.); "
    "{year} BE is {ce_year} CE."
)
MISSING_EARLIER = "Dose {number} is recorded but this person has no dose {missing} yet."
BEFORE_EARLIER_DOSE = "Dose {number} is dated before dose {earlier} ({earlier_date})."
ALREADY_RECORDED = "Dose {number} of this person is already recorded ({given_on})."
NO_DOSE = "Dose {number} of this person is not recorded."
COLUMNS = ("national_id_hmac", "number", "vaccine", "given_on", "place", "recorded_by_id")


def today() -> date:
    """Return today's date in Thailand."""
    return utcnow().astimezone(BANGKOK).date()


def _refused(
    code: str, message: str, field: str, day: date | None = None, **params: object
) -> Invalid:
    """Return the 422 naming `field`; `day` is told as `value`, in Thai with its BE year."""
    shown = {"value": format_date(day, "en")} if day else {}
    params_th = {
        **params,
        "field": thai_field(field),
        **({"value": format_thai_date(day)} if day else {}),
    }
    params = {**params, **shown, "field": field}
    error = FieldError(field, message.format(**params), thai(message, **params_th))
    return Invalid(code, message, params, [error], params_th=params_th)


def check_date(day: date, *, field: str = "given_on", future: str = FUTURE_DATE) -> date:
    """Return a date of a dose (or of coverage figures) when it can be one, else raise
    `Invalid` naming `field` in Thai and English. After today (Asia/Bangkok):
    `vaccination.future_date` (message `future`, given `value`), or `vaccination.be_year` when
    the year less 543 would fit (2564 typed as a CE year). Before Thailand's first COVID-19
    vaccination (`FIRST_VACCINATION`, 2021-02-28): `vaccination.before_first_dose` (such as
    1964, or 1478: a CE year read as BE).
    """
    latest = today()
    if day > latest:
        if FIRST_VACCINATION.year <= day.year - 543 <= latest.year:
            raise _refused(
                "vaccination.be_year", BE_AS_CE, field, year=day.year, ce_year=day.year - 543
            )
        raise _refused("vaccination.future_date", future, field, day)
    if day < FIRST_VACCINATION:
        raise _refused("vaccination.before_first_dose", BEFORE_FIRST, field, day)
    return day


def missing_warnings(number: int, known: set[int]) -> list[FieldError]:
    """Warn when dose `number` is recorded and the person has no record of a lower-numbered
    dose (`known`: the numbers recorded for them): one warning naming the missing numbers."""
    missing = [n for n in range(1, number) if n not in known]
    if not missing:
        return []
    params = {"number": number, "missing": ", ".join(map(str, missing))}
    return [FieldError("number", MISSING_EARLIER.format(**params), thai(MISSING_EARLIER, **params))]


def order_warnings(number: int, given_on: date, others: dict[int, date]) -> list[FieldError]:
    """Warn when a dose and another of the same person are out of order: the higher-numbered
    one dated before the lower (dose 2 before dose 1); the Thai message gives the date with
    its BE year."""
    notes = []
    for other, other_date in sorted(others.items()):
        low, high = sorted(((number, given_on), (other, other_date)))
        if other != number and high[1] < low[1]:
            params = {
                "number": high[0],
                "earlier": low[0],
                "earlier_date": format_date(low[1], "en"),
            }
            thai_date = format_thai_date(low[1])  # BE year in Thai: "1 ส.ค. 2564"
            notes.append(
                FieldError(
                    "given_on",
                    BEFORE_EARLIER_DOSE.format(**params),
                    thai(BEFORE_EARLIER_DOSE, **{**params, "earlier_date": thai_date}),
                )
            )
    return notes


async def record(
    session: AsyncSession, *, resident: Resident, dose_in: DoseCreate, actor_id: int | None
) -> tuple[Dose, list[FieldError]]:
    """Record a dose given to a resident; return it and its warnings (dated before an earlier
    dose; a lower-numbered dose not recorded). The village's coverage is counted again from
    its register at once (`register_counts.recount`; not when it has imported figures).
    Raises `Invalid` naming `given_on` for a date after today or before the first vaccination
    (`check_date`), `Conflict` when this dose number is recorded."""
    check_date(dose_in.given_on)
    earlier = {
        d.number: d
        for d in await session.scalars(
            select(Dose).where(Dose.national_id_hmac == resident.national_id_hmac)
        )
    }
    if dose_in.number in earlier:
        given = earlier[dose_in.number].given_on
        raise Conflict(
            "vaccination.already_recorded",
            ALREADY_RECORDED,
            {"number": dose_in.number, "given_on": format_date(given, "en")},
            params_th={"given_on": format_thai_date(given)},
        )
    notes = order_warnings(
        dose_in.number, dose_in.given_on, {n: d.given_on for n, d in earlier.items()}
    ) + missing_warnings(dose_in.number, set(earlier))
    dose = Dose(
        national_id_hmac=resident.national_id_hmac,
        number=dose_in.number,
        vaccine=dose_in.vaccine,
        given_on=dose_in.given_on,
        place=dose_in.place,
        recorded_by_id=actor_id,
    )
    session.add(dose)
    await _counted_and_logged(
        session, resident, action="doses.record", actor_id=actor_id, number=dose_in.number
    )
    return dose, notes


async def remove(
    session: AsyncSession, *, resident: Resident, number: int, actor_id: int | None
) -> Dose:
    """Delete dose `number` of a resident (recorded by mistake: the wrong person, number or
    date) and return it; the village's coverage is counted again at once and the deletion is
    audit-logged (`doses.delete`, with the number, date and vaccine removed).
    Raises `NotFound` (`vaccination.no_dose`) when this dose is not recorded."""
    dose = await session.scalar(
        select(Dose).where(
            Dose.national_id_hmac == resident.national_id_hmac, Dose.number == number
        )
    )
    if dose is None:
        raise NotFound("vaccination.no_dose", NO_DOSE, {"number": number})
    await session.delete(dose)
    await _counted_and_logged(
        session,
        resident,
        action="doses.delete",
        actor_id=actor_id,
        number=number,
        given_on=dose.given_on.isoformat(),
        vaccine=dose.vaccine,
    )
    return dose


async def _counted_and_logged(
    session: AsyncSession, resident: Resident, *, action: str, actor_id: int | None, **details
) -> None:
    """After a resident's doses changed: keep the resident for the retention period from now,
    count the village's coverage again from its register, and audit-log `action`."""
    resident.updated_at = utcnow()
    await session.flush()
    await register_counts.recount(session, {resident.village_code})
    await audit.record(
        session,
        action=action,
        actor_id=actor_id,
        subject_type="resident",
        subject_id=resident.id,
        area_code=resident.village_code,
        **details,
    )


async def numbers_of(session: AsyncSession, digests: set[bytes]) -> dict[bytes, set[int]]:
    """Return the dose numbers recorded for each of these people (by national ID digest), in
    one query per 1,000 people; a person with none is left out."""
    found: dict[bytes, set[int]] = defaultdict(set)
    people = sorted(digests)
    for start in range(0, len(people), 1000):
        rows = await session.execute(
            select(Dose.national_id_hmac, Dose.number).where(
                Dose.national_id_hmac.in_(people[start : start + 1000])
            )
        )
        for digest, number in rows:
            found[digest].add(number)
    return found


def _insert(session: AsyncSession):
    dialect = session.bind.dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Dose.__table__)


async def write_batch(session: AsyncSession, rows: Sequence[tuple]) -> tuple[int, set[str]]:
    """Insert doses given as tuples in `COLUMNS` order; return how many were new and the
    villages of the registered people given them (count them with `register_counts.recount`,
    once, after the last batch).

    One INSERT … ON CONFLICT DO NOTHING … RETURNING, sent as SQLAlchemy's "insertmanyvalues"
    (a few multi-row statements compiled once, not one statement of 1,000 rows compiled per
    batch): a dose already recorded for the same person and number is left as it is, and a
    repeat touches no village.
    """
    if not rows:
        return 0, set()
    now = utcnow()
    values = [dict(zip(COLUMNS, row, strict=True), recorded_at=now) for row in rows]
    statement = (
        _insert(session)
        .on_conflict_do_nothing(index_elements=["national_id_hmac", "number"])
        .returning(Dose.__table__.c.national_id_hmac)
    )
    stored = (await session.scalars(statement, values)).all()
    return len(stored), await register_counts.villages_of(session, stored)
