"""Coverage of villages counted from their residents registers: one source for each village.

A village's coverage rows come either from an official's file (source "import", through
`coverage.store`) or from its residents register (source "register", made here), never a mix:
imported figures win, so a village with any imported row has no register rows, and doses
recorded there later change the register (and the follow-up list) but not the public figures.
A village without imported figures has one row per date a dose was given there, and one dated
the day it was counted (in Thailand) when that is later, counted again from the register
whenever it changes (`recount`: adding, moving or removing a resident, recording a dose):

- population: the people registered in the village now;
- dose_1, dose_2, dose_3: the registered people with a dose numbered 1, 2, 3 or higher given on
  or before the date (someone with dose 2 recorded has had a first dose, recorded or not);
- booster: the registered people with a dose numbered 4 or higher by then.

So the "as of" date of a village's register figures (its newest row) is the day its register
was last counted, and its figures are the register's as it is now (any change counts it
again): the register's own figures for the village (`followups.summaries`: residents, with
dose 1, 2, 3). Its older rows are the trend: doses given by each date to the people
registered now.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core.db import utcnow
from jitasa.core.thai import BANGKOK
from jitasa.vaccination import coverage
from jitasa.vaccination.models import Coverage, Dose, Resident

CHUNK = 500  # villages counted per round of queries
LEVELS = ((1, "dose_1"), (2, "dose_2"), (3, "dose_3"), (4, "booster"))


async def villages_of(session: AsyncSession, digests: Iterable[bytes]) -> set[str]:
    """Return the villages of the registered people with these national ID digests."""
    people = sorted(set(digests))
    found: set[str] = set()
    for start in range(0, len(people), 1000):
        found.update(
            await session.scalars(
                select(Resident.village_code)
                .where(Resident.national_id_hmac.in_(people[start : start + 1000]))
                .distinct()
            )
        )
    return found


async def recount(session: AsyncSession, villages: Iterable[str]) -> None:
    """Count these villages' coverage again from their registers, in the caller's transaction.

    `villages` are 8-digit codes. Their register rows are replaced by new ones (none for a
    village with imported figures, or without doses; the newest dated today in Thailand),
    then the kept roll-up of their provinces is made again (`coverage.refresh_rollup`); the
    provinces are held (`coverage.lock_provinces`) until the transaction ends. Per 500
    villages: a query for villages with imported rows, a delete, head counts, four counting
    queries (one per level) and one multi-row insert.
    """
    codes = sorted(set(villages))
    await coverage.lock_provinces(session, coverage.provinces_of(codes))
    now = utcnow()
    counted_on = now.astimezone(BANGKOK).date()
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        imported = set(
            await session.scalars(
                select(Coverage.area_code)
                .where(Coverage.area_code.in_(chunk), Coverage.source == "import")
                .distinct()
            )
        )
        await session.execute(
            delete(Coverage).where(Coverage.area_code.in_(chunk), Coverage.source == "register")
        )
        counted = [code for code in chunk if code not in imported]
        if not counted:
            continue
        sizes = dict(
            (
                await session.execute(
                    select(Resident.village_code, func.count())
                    .where(Resident.village_code.in_(counted))
                    .group_by(Resident.village_code)
                )
            ).all()
        )
        reached = await _reached(session, counted)
        values = []
        for code, days in reached.items():
            totals: Counter = Counter()
            dated = sorted(days)
            for day in dated + ([counted_on] if dated[-1] < counted_on else []):
                totals.update(days.get(day, Counter()))
                values.append(
                    {
                        "area_code": code,
                        "as_of": day,
                        "population": sizes.get(code, 0),
                        **{column: totals[column] for column in coverage.DOSES},
                        "source": "register",
                        "updated_at": now,
                    }
                )
        if values:
            await session.execute(insert(Coverage), values)
    await coverage.refresh_rollup(session, coverage.provinces_of(codes))


async def _reached(session: AsyncSession, villages: list[str]) -> dict[str, dict[date, Counter]]:
    """Return, by village and date, how many registered people reached each level that day
    (their first dose numbered at least the level's)."""
    reached: dict[str, dict[date, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for level, column in LEVELS:
        person = (
            select(Resident.village_code.label("village"), func.min(Dose.given_on).label("day"))
            .join(Dose, Dose.national_id_hmac == Resident.national_id_hmac)
            .where(Resident.village_code.in_(villages), Dose.number >= level)
            .group_by(Resident.village_code, Resident.id)
            .subquery()
        )
        rows = await session.execute(
            select(person.c.village, person.c.day, func.count()).group_by(
                person.c.village, person.c.day
            )
        )
        for code, day, people in rows:
            reached[code][day][column] += people
    return reached
