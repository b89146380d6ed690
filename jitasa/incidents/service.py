"""Incidents and their categories; the default COVID-19 incident."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.core.errors import Conflict, NotFound
from jitasa.incidents import hotlines
from jitasa.incidents.models import DEFAULT_SLA_MINUTES, Category, Incident

DEFAULT_INCIDENT_CODE = "covid-19"
# (code, Thai, English, medical, transport, icon) — the categories of product.md P3.
DEFAULT_CATEGORIES = [
    ("food_supplies", "อาหารและของใช้จำเป็น", "Food & supplies", False, False, "basket"),
    ("medicine", "ยา", "Medicine", True, False, "pill"),
    ("oxygen", "ออกซิเจน", "Oxygen", True, False, "oxygen"),
    ("medical_help", "ต้องการความช่วยเหลือทางการแพทย์", "Medical help", True, False, "medical"),
    ("patient_transport", "รับส่งผู้ป่วย", "Patient transport", True, True, "ambulance"),
    ("body_transport", "เคลื่อนย้ายร่างผู้เสียชีวิต", "Transport of the deceased", False, True, "hearse"),
    ("covid_test", "ตรวจโควิด", "COVID test", True, False, "test"),
    ("vaccination_help", "ช่วยเรื่องวัคซีน", "Vaccination help", False, False, "syringe"),
    ("bed_admission", "หาเตียง / เข้ารับการรักษา", "Bed or admission", True, False, "bed"),
    ("other", "อื่น ๆ", "Other", False, False, "help"),
]


async def ensure_default(session: AsyncSession) -> bool:
    """Create the COVID-19 incident with the standard categories if it is missing."""
    if await session.scalar(select(Incident.id).where(Incident.code == DEFAULT_INCIDENT_CODE)):
        return False
    session.add(
        Incident(
            code=DEFAULT_INCIDENT_CODE,
            name_th="โควิด-19",
            name_en="COVID-19",
            kind="epidemic",
            active=True,
            sla_minutes=dict(DEFAULT_SLA_MINUTES),
            expiry_hours=72,
            hotlines=hotlines.defaults_for("epidemic"),
            categories=[
                Category(
                    code=code,
                    name_th=th,
                    name_en=en,
                    medical=medical,
                    transport=transport,
                    icon=icon,
                    position=position,
                )
                for position, (code, th, en, medical, transport, icon) in enumerate(
                    DEFAULT_CATEGORIES
                )
            ],
        )
    )
    await session.flush()
    return True


async def list_incidents(session: AsyncSession, *, active: bool | None) -> list[Incident]:
    """List incidents, newest first, optionally only active or inactive ones."""
    statement = select(Incident).order_by(Incident.id.desc())
    if active is not None:
        statement = statement.where(Incident.active.is_(active))
    return list((await session.scalars(statement)).all())


async def get_or_raise(session: AsyncSession, *, code: str) -> Incident:
    """Return the incident with this code or raise 404."""
    incident = await session.scalar(select(Incident).where(Incident.code == code))
    if incident is None:
        raise NotFound("incidents.not_found", "There is no incident {code}.", {"code": code})
    return incident


async def default_incident(session: AsyncSession) -> Incident:
    """Return the incident a request joins when none is named: the newest active one."""
    incident = await session.scalar(
        select(Incident).where(Incident.active.is_(True)).order_by(Incident.id.desc()).limit(1)
    )
    if incident is None:
        raise NotFound(
            "incidents.none_active",
            "Nobody can post a request here at the moment. If someone is in danger, call 1669 now.",
        )
    return incident


async def create(session: AsyncSession, *, incident_in) -> Incident:
    """Add an incident with its categories (admins)."""
    if await session.scalar(select(Incident.id).where(Incident.code == incident_in.code)):
        raise Conflict(
            "incidents.code_taken",
            "An incident with code {code} already exists.",
            {"code": incident_in.code},
        )
    incident = Incident(
        **incident_in.model_dump(exclude={"categories", "sla_minutes", "hotlines"}),
        sla_minutes={**DEFAULT_SLA_MINUTES, **incident_in.sla_minutes},
        hotlines=[line.model_dump() for line in incident_in.hotlines]
        or hotlines.defaults_for(incident_in.kind),
        categories=[
            Category(**c.model_dump(), position=i) for i, c in enumerate(incident_in.categories)
        ],
    )
    session.add(incident)
    await session.flush()
    return incident


async def active_hotlines(session: AsyncSession) -> list[hotlines.Hotline]:
    """Return the numbers to call during the active incidents: 1669 first, each number once."""
    rows = await session.scalars(
        select(Incident.hotlines).where(Incident.active.is_(True)).order_by(Incident.id.desc())
    )
    return hotlines.merged([list(lines or []) for lines in rows])


async def category_codes(session: AsyncSession) -> set[str]:
    """Return the codes of every incident's categories."""
    return set((await session.scalars(select(Category.code).distinct())).all())


async def by_ids(session: AsyncSession, ids: set[int]) -> dict[int, Incident]:
    """Return the incidents with these ids by id."""
    if not ids:
        return {}
    rows = await session.scalars(select(Incident).where(Incident.id.in_(ids)))
    return {incident.id: incident for incident in rows}


async def ordinary_category_codes(session: AsyncSession) -> set[str]:
    """Return the codes of categories that are neither medical nor transport, in any incident."""
    rows = await session.scalars(
        select(Category.code).where(Category.medical.is_(False), Category.transport.is_(False))
    )
    return set(rows.all())


async def transport_kind(
    session: AsyncSession, *, incident_id: int, category_code: str
) -> str | None:
    """Return "patient" or "body" (the deceased: not medical) for transport, else None."""
    row = (
        await session.execute(
            select(Category.transport, Category.medical).where(
                Category.incident_id == incident_id, Category.code == category_code
            )
        )
    ).first()
    if row is None or not row.transport:
        return None
    return "patient" if row.medical else "body"


async def transport_category_codes(session: AsyncSession, *, body: bool) -> set[str]:
    """Return the codes of transport categories in any incident (`body`: only the deceased's)."""
    statement = select(Category.code).where(Category.transport.is_(True))
    if body:
        statement = statement.where(Category.medical.is_(False))
    return set((await session.scalars(statement)).all())


async def category_names(session: AsyncSession) -> dict[tuple[int, str], tuple[str, str]]:
    """Return the Thai and English names of every incident's categories, by (incident, code)."""
    rows = await session.execute(
        select(Category.incident_id, Category.code, Category.name_th, Category.name_en)
    )
    return {(incident_id, code): (th, en) for incident_id, code, th, en in rows}
