"""Village residents registers: adding people, reading a village's list, PDPA requests.

A resident is registered in one village (8-digit code, created on first use by
`areas.service.ensure_villages`); their national ID is kept as a keyed digest and a masked form
(`national_ids.py`). Every read of a village's list is audit-logged (`residents.read`), as is an
export or deletion of one person's data (`residents.export_person`, `residents.delete_person`,
with the reason given).
"""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.audit import service as audit
from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict, Invalid, NotFound
from jitasa.core.thai import BE_OFFSET, BE_YEAR_FROM
from jitasa.vaccination import national_ids, register_counts
from jitasa.vaccination.models import Dose, Resident
from jitasa.vaccination.schemas import ResidentCreate

PRIORITY_AGE = 60
EARLIEST_BIRTH_YEAR = 1900
BAD_BIRTH_YEAR = (
    "Birth year {value} is neither a CE year from 1900 nor a BE (พ.ศ.) year up to this year; "
    "check whether a BE year was written as CE or the other way round."
)
ALREADY_REGISTERED = "This person is already registered (village {village})."
REGISTERED_ELSEWHERE = (
    "This person is already registered in another village; the officials of that area can "
    "correct or remove the entry."
)
NOT_REGISTERED = "Nobody with this national ID is registered."
NO_RESIDENT = "There is no resident {resident_id}."
REASON_NEEDED = "A reason is required (the PDPA request it answers); it is audit-logged."


def birth_year_ce(year: int) -> int:
    """Return a birth year in CE from a BE (2400 and up) or CE year; raise `Invalid` when it is
    neither (before 1900, in the future, or between this CE year and BE 2400)."""
    this_year = datetime.now(UTC).year
    ce = year - BE_OFFSET if year >= BE_YEAR_FROM else year
    if not EARLIEST_BIRTH_YEAR <= ce <= this_year:
        raise Invalid("vaccination.bad_birth_year", BAD_BIRTH_YEAR, {"value": year})
    return ce


def aged_60(birth_year: int, *, today: datetime | None = None) -> bool:
    """Tell whether someone born in `birth_year` (CE) is 60 or older this year."""
    return (today or datetime.now(UTC)).year - birth_year >= PRIORITY_AGE


def priority_filter(this_year: int):
    """Return the SQL condition for the 608 group: aged 60, a chronic disease, or pregnant."""
    return (
        (Resident.birth_year <= this_year - PRIORITY_AGE)
        | Resident.chronic_disease
        | Resident.pregnant
    )


async def add(
    session: AsyncSession, *, resident_in: ResidentCreate, actor_id: int | None
) -> Resident:
    """Register a resident in their village (made on first use); 409 when already registered.

    Raises `Invalid` for an unknown subdistrict or an implausible birth year.
    """
    village = areas_service.village_code(resident_in.subdistrict_code, resident_in.village_number)
    await areas_service.ensure_villages(session, codes={village})
    hmac_digest, masked = national_ids.check(resident_in.national_id)
    existing = await session.scalar(
        select(Resident.village_code).where(Resident.national_id_hmac == hmac_digest)
    )
    if existing is not None:  # where else stays untold: a national ID must not locate anyone
        if existing != village:
            raise Conflict("vaccination.already_registered", REGISTERED_ELSEWHERE)
        raise Conflict("vaccination.already_registered", ALREADY_REGISTERED, {"village": existing})
    resident = Resident(
        village_code=village,
        household=resident_in.household,
        household_lat=resident_in.household_lat,
        household_lon=resident_in.household_lon,
        name=resident_in.name,
        birth_year=birth_year_ce(resident_in.birth_year),
        sex=resident_in.sex,
        phone=resident_in.phone,
        chronic_disease=resident_in.chronic_disease,
        pregnant=resident_in.pregnant,
        national_id_hmac=hmac_digest,
        national_id_masked=masked,
    )
    session.add(resident)
    try:
        await session.flush()
    except IntegrityError:  # registered by someone else a moment ago
        raise Conflict(
            "vaccination.already_registered", ALREADY_REGISTERED, {"village": village}
        ) from None
    await register_counts.recount(session, {village})  # its head count is the population
    await audit.record(
        session,
        action="residents.add",
        actor_id=actor_id,
        subject_type="resident",
        subject_id=resident.id,
        area_code=village,
    )
    return resident


async def get_or_raise(session: AsyncSession, *, resident_id: int) -> Resident:
    """Return the resident or raise 404."""
    resident = await session.get(Resident, resident_id)
    if resident is None:
        raise NotFound("vaccination.no_resident", NO_RESIDENT, {"resident_id": resident_id})
    return resident


async def doses_by_digest(session: AsyncSession, digests: list[bytes]) -> dict[bytes, list[int]]:
    """Return the dose numbers each person (by national ID digest) has received."""
    found: dict[bytes, list[int]] = {}
    for start in range(0, len(digests), 500):
        rows = await session.execute(
            select(Dose.national_id_hmac, Dose.number).where(
                Dose.national_id_hmac.in_(digests[start : start + 500])
            )
        )
        for digest, number in rows:
            found.setdefault(digest, []).append(number)
    return found


def house_order(household: str) -> tuple:
    """Return a sort key of a house number as people write it: numbers as numbers (3 < 12/1 <
    12/2 < 100), and a house number not starting with a digit ("ไม่ทราบ", "ม.3") after every
    numbered one, by its text. Any two keys compare; Thai digits count as digits."""
    text = household.strip()
    if not text[:1].isdecimal():
        return (1, (), text.casefold())
    parts = tuple(
        (0, int(p), "") if p.isdecimal() else (1, 0, p.casefold())
        for p in re.split(r"(\d+)", text)
        if p
    )
    return (0, parts, text)


async def in_village(
    session: AsyncSession, *, village_code: str, actor_id: int | None, client_ip: str = ""
) -> list[dict]:
    """Return a village's residents by house number (`house_order`), then name, each with the
    highest dose received.

    The read is audit-logged (`residents.read`, with how many people were listed).
    """
    residents = sorted(
        await session.scalars(select(Resident).where(Resident.village_code == village_code)),
        key=lambda r: (house_order(r.household), r.name, r.id),
    )
    doses = await doses_by_digest(session, [r.national_id_hmac for r in residents])
    now = datetime.now(UTC)
    items = [
        {
            **{c: getattr(r, c) for c in SHOWN},
            "aged_60": aged_60(r.birth_year, today=now),
            "doses": max(doses.get(r.national_id_hmac, [0])),
        }
        for r in residents
    ]
    await audit.record(
        session,
        action="residents.read",
        actor_id=actor_id,
        subject_type="village",
        subject_id=village_code,
        area_code=village_code,
        client_ip=client_ip,
        listed=len(items),
    )
    return items


SHOWN = (
    "id", "village_code", "household", "name", "birth_year", "sex", "phone",
    "chronic_disease", "pregnant", "national_id_masked",
)  # fmt: skip


async def _person(
    session: AsyncSession, national_id: str, reason: str
) -> tuple[bytes, Resident | None]:
    if not reason.strip():
        raise Invalid("vaccination.reason_needed", REASON_NEEDED)
    digest, _ = national_ids.check(national_id)
    resident = await session.scalar(select(Resident).where(Resident.national_id_hmac == digest))
    return digest, resident


async def export_person(
    session: AsyncSession, *, national_id: str, reason: str, actor_id: int | None = None
) -> dict:
    """Return everything kept about one person (a PDPA access request), the reason audit-logged.

    The national ID is answered in full only here, as the person asked for it. Raises
    `Invalid` without a reason or for a bad number, `NotFound` when nobody has this number.
    """
    digest, resident = await _person(session, national_id, reason)
    doses = list(
        await session.scalars(
            select(Dose).where(Dose.national_id_hmac == digest).order_by(Dose.number)
        )
    )
    if resident is None and not doses:
        raise NotFound("vaccination.not_registered", NOT_REGISTERED)
    await audit.record(
        session,
        action="residents.export_person",
        actor_id=actor_id,
        subject_type="resident",
        subject_id=resident.id if resident else "",
        area_code=resident.village_code if resident else None,
        reason=reason.strip()[:500],
    )
    person = None
    if resident is not None:
        person = {c: getattr(resident, c) for c in SHOWN if c != "national_id_masked"}
        person |= {"household_lat": resident.household_lat, "household_lon": resident.household_lon}
    return {
        "national_id": national_ids.normalize_national_id(national_id),
        "resident": person,
        "doses": [
            {"number": d.number, "vaccine": d.vaccine, "given_on": d.given_on.isoformat(),
             "place": d.place}
            for d in doses
        ],
    }  # fmt: skip


async def delete_person(
    session: AsyncSession, *, national_id: str, reason: str, actor_id: int | None = None
) -> int:
    """Delete one person and their doses (a PDPA erasure request); return the rows deleted.

    The reason is audit-logged; raises as `export_person` does.
    """
    digest, resident = await _person(session, national_id, reason)
    gone = (await session.execute(delete(Dose).where(Dose.national_id_hmac == digest))).rowcount
    if resident is None and not gone:
        raise NotFound("vaccination.not_registered", NOT_REGISTERED)
    if resident is not None:
        await session.delete(resident)
        gone += 1
    await audit.record(
        session,
        action="residents.delete_person",
        actor_id=actor_id,
        subject_type="resident",
        subject_id=resident.id if resident else "",
        area_code=resident.village_code if resident else None,
        reason=reason.strip()[:500],
        rows=gone,
    )
    await session.flush()
    if resident is not None:
        await register_counts.recount(session, {resident.village_code})
    return gone


async def purge(session: AsyncSession, *, retention_days: int) -> int:
    """Delete residents unchanged for `retention_days`, and their doses; return how many people."""
    before = utcnow() - timedelta(days=retention_days)
    stale = select(Resident.national_id_hmac).where(Resident.updated_at < before)
    villages = set(
        await session.scalars(
            select(Resident.village_code).where(Resident.updated_at < before).distinct()
        )
    )
    await session.execute(delete(Dose).where(Dose.national_id_hmac.in_(stale)))
    gone = (await session.execute(delete(Resident).where(Resident.updated_at < before))).rowcount
    await register_counts.recount(session, villages)
    return gone


async def write_batch(session: AsyncSession, rows: list[dict]) -> tuple[int, int, set[str]]:
    """Create or update residents given as column dicts (`national_id_hmac` is the key); make
    their villages first. Returns (created, updated, villages whose register changed: count
    them with `register_counts.recount` after the last batch). Raises `Invalid` for an unknown
    subdistrict (the caller checked the codes)."""
    await areas_service.ensure_villages(session, codes={r["village_code"] for r in rows})
    digests = [r["national_id_hmac"] for r in rows]
    existing = {
        r.national_id_hmac: r
        for r in await session.scalars(
            select(Resident).where(Resident.national_id_hmac.in_(digests))
        )
    }
    now = utcnow()
    fresh = [
        r | {"created_at": now, "updated_at": now}
        for r in rows
        if r["national_id_hmac"] not in existing
    ]
    if fresh:
        await session.execute(insert(Resident.__table__), fresh)
    updated = 0
    villages = {r["village_code"] for r in fresh}
    for row in rows:
        resident = existing.get(row["national_id_hmac"])
        if resident is not None and any(getattr(resident, k) != v for k, v in row.items()):
            villages.update({resident.village_code, row["village_code"]})  # a move counts twice
            for column, value in row.items():
                setattr(resident, column, value)
            updated += 1
    return len(fresh), updated, villages
