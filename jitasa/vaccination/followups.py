"""Follow-up of the 608 group: who in a village misses a dose, nearest household first, and the
register's figures by village for coordinators.

The course is `COURSE_DOSES` doses (two primary doses and a booster, as the Ministry asked of the
608 group); a priority resident with fewer is on the list, their next dose one past their
highest. Households with a pin come first by distance from the given point (the อสม.'s phone,
else their home), then the others by house number as people write them ("3" before "12/1", a
house number not starting with a digit after the numbered ones: `residents.house_order`).
"""

from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.audit import service as audit
from jitasa.core import area_scope
from jitasa.core.geo import distance_km
from jitasa.vaccination.models import Dose, Resident
from jitasa.vaccination.residents import aged_60, doses_by_digest, house_order, priority_filter

COURSE_DOSES = 3


def reasons_of(resident: Resident, now: datetime) -> list[str]:
    """Return why a resident is in the 608 group: aged_60, chronic, pregnant."""
    found = []
    if aged_60(resident.birth_year, today=now):
        found.append("aged_60")
    if resident.chronic_disease:
        found.append("chronic")
    if resident.pregnant:
        found.append("pregnant")
    return found


async def for_village(
    session: AsyncSession,
    *,
    village_code: str,
    near: tuple[float, float] | None,
    actor_id: int | None,
    client_ip: str = "",
) -> dict:
    """Return the village's 608 residents missing a dose (see the module's docstring).

    Answers {village_code, priority_residents, fully_vaccinated, items: [{resident_id,
    household, name, phone, reasons, doses, next_dose, distance_km}], with_dose: [people
    with dose 1, 2, 3]}; the read is
    audit-logged (`followups.read`, with how many people were listed).
    """
    now = datetime.now(UTC)
    residents = list(
        await session.scalars(
            select(Resident).where(Resident.village_code == village_code, priority_filter(now.year))
        )
    )
    doses = await doses_by_digest(session, [r.national_id_hmac for r in residents])
    items = []
    with_dose = [0] * COURSE_DOSES
    for resident in residents:
        highest = max(doses.get(resident.national_id_hmac, [0]))
        for number in range(min(highest, COURSE_DOSES)):
            with_dose[number] += 1
        if highest >= COURSE_DOSES:
            continue
        distance = None
        if near and resident.household_lat is not None and resident.household_lon is not None:
            distance = round(
                distance_km(near[0], near[1], resident.household_lat, resident.household_lon), 2
            )
        items.append(
            {
                "resident_id": resident.id,
                "household": resident.household,
                "name": resident.name,
                "phone": resident.phone,
                "reasons": reasons_of(resident, now),
                "doses": highest,
                "next_dose": highest + 1,
                "distance_km": distance,
            }
        )
    items.sort(
        key=lambda i: (
            i["distance_km"] is None,
            i["distance_km"] or 0.0,
            house_order(i["household"]),
            i["name"],
            i["resident_id"],
        )
    )
    await audit.record(
        session,
        action="followups.read",
        actor_id=actor_id,
        subject_type="village",
        subject_id=village_code,
        area_code=village_code,
        client_ip=client_ip,
        listed=len(items),
    )
    return {
        "village_code": village_code,
        "priority_residents": len(residents),
        "fully_vaccinated": len(residents) - len(items),
        "with_dose": with_dose,
        "items": items,
    }


async def summaries(session: AsyncSession, *, area_code: str) -> dict:
    """Return the register's figures for each village in an area (a subdistrict, district…)
    and their total: residents, 608 residents, and people with dose 1, 2 and 3.

    No person is named; answers {area_code, total, villages: [{village_code, name_th,
    residents, priority, dose_1, dose_2, dose_3}]}.
    """
    this_year = datetime.now(UTC).year
    highest = (
        select(Dose.national_id_hmac, func.max(Dose.number).label("highest"))
        .group_by(Dose.national_id_hmac)
        .subquery()
    )
    reached = func.coalesce(highest.c.highest, 0)
    rows = await session.execute(
        select(
            Resident.village_code,
            func.count(),
            func.sum(case((priority_filter(this_year), 1), else_=0)),
            *(func.sum(case((reached >= n, 1), else_=0)) for n in (1, 2, 3)),
        )
        .outerjoin(highest, highest.c.national_id_hmac == Resident.national_id_hmac)
        .where(area_scope.inside(Resident.village_code, area_code))
        .group_by(Resident.village_code)
        .order_by(Resident.village_code)
    )
    rows = list(rows)
    names = await areas_service.names(session, codes={r[0] for r in rows})
    villages = [
        {
            "village_code": code,
            "name_th": names.get(code, ("", ""))[0],
            "residents": count,
            "priority": int(priority or 0),
            "dose_1": int(one or 0),
            "dose_2": int(two or 0),
            "dose_3": int(three or 0),
        }
        for code, count, priority, one, two, three in rows
    ]
    keys = ("residents", "priority", "dose_1", "dose_2", "dose_3")
    total = {"village_code": area_code, "name_th": ""} | {
        k: sum(v[k] for v in villages) for k in keys
    }
    return {"area_code": area_code, "total": total, "villages": villages}
