"""Incidents and their categories; the default COVID-19 incident."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from jitasa.core.db import utcnow
from jitasa.core.errors import Conflict, NotFound
from jitasa.core.map_params import split_values
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
    """Create the COVID-19 incident with the standard categories if it is missing.

    It becomes the default incident only when no other incident is one.
    """
    if await session.scalar(select(Incident.id).where(Incident.code == DEFAULT_INCIDENT_CODE)):
        return False
    has_default = await session.scalar(select(Incident.id).where(Incident.is_default.is_(True)))
    session.add(
        Incident(
            code=DEFAULT_INCIDENT_CODE,
            name_th="โควิด-19",
            name_en="COVID-19",
            kind="epidemic",
            active=True,
            is_default=has_default is None,
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


async def list_incidents(
    session: AsyncSession, *, active: bool | None, archived: bool | None = None
) -> list[Incident]:
    """List incidents, newest first, optionally only active or inactive, archived or not ones."""
    statement = select(Incident).order_by(Incident.id.desc())
    if active is not None:
        statement = statement.where(Incident.active.is_(active))
    if archived is not None:
        statement = statement.where(
            Incident.archived_at.is_not(None) if archived else Incident.archived_at.is_(None)
        )
    return list((await session.scalars(statement)).all())


async def _with_categories(session: AsyncSession, statement) -> Incident | None:
    """Return the first incident of a statement with its categories, in one statement."""
    result = await session.scalars(statement.options(joinedload(Incident.categories)))
    return result.unique().first()


async def get_or_raise(session: AsyncSession, *, code: str) -> Incident:
    """Return the incident with this code or raise 404."""
    statement = select(Incident).where(Incident.code == code)
    incident = await _with_categories(session, statement)
    if incident is None:
        raise NotFound("incidents.not_found", "There is no incident {code}.", {"code": code})
    return incident


async def default_incident(session: AsyncSession) -> Incident:
    """Return the incident a request joins when none is named: the one an admin made default,
    with its categories.

    Raises NotFound (`incidents.none_active`) when there is none; the caller refuses a closed one.
    """
    statement = select(Incident).where(Incident.is_default.is_(True))
    incident = await _with_categories(session, statement)
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
    wants_default = incident_in.is_default or (
        incident_in.active
        and await session.scalar(select(Incident.id).where(Incident.is_default.is_(True))) is None
    )
    if wants_default and not incident_in.active:
        raise Conflict("incidents.default_closed", DEFAULT_CLOSED, {"code": incident_in.code})
    if wants_default:
        await _clear_default(session)
    incident = Incident(
        **incident_in.model_dump(exclude={"categories", "sla_minutes", "hotlines", "is_default"}),
        is_default=wants_default,
        closed_at=None if incident_in.active else utcnow(),
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


async def known_categories(
    session: AsyncSession, raw: list[str] | None, field: str = "category"
) -> list[str]:
    """Return the category codes of a filter (repeated or comma-separated); an unknown one is
    a 422 naming `field` and listing the codes of every incident's categories."""
    if not raw:
        return []
    return split_values(raw, await category_codes(session), field)


async def by_ids(session: AsyncSession, ids: set[int]) -> dict[int, Incident]:
    """Return the incidents with these ids by id."""
    if not ids:
        return {}
    rows = await session.scalars(select(Incident).where(Incident.id.in_(ids)))
    return {incident.id: incident for incident in rows}


def ordinary_category_codes() -> Select:
    """Return the read of the codes of categories that are neither medical nor transport, in
    any incident (a subquery: the caller's statement reads it with its own rows)."""
    return select(Category.code).where(Category.medical.is_(False), Category.transport.is_(False))


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


def codes_but_transports(*, body: bool) -> Select:
    """Return the read of the codes of every incident's categories but those that are a
    transport in any incident (`body`: but only the deceased's), as a subquery."""
    refused = select(Category.code).where(Category.transport.is_(True))
    if body:
        refused = refused.where(Category.medical.is_(False))
    return select(Category.code).where(Category.code.not_in(refused))


async def category_names(session: AsyncSession) -> dict[tuple[int, str], tuple[str, str]]:
    """Return the Thai and English names of every incident's categories, by (incident, code)."""
    rows = await session.execute(
        select(Category.incident_id, Category.code, Category.name_th, Category.name_en)
    )
    return {(incident_id, code): (th, en) for incident_id, code, th, en in rows}


DEFAULT_CLOSED = "The incident {code} is closed: only an active incident can be the default."
CLOSE_DEFAULT = (
    "The incident {code} is the default one, where requests without an incident go: "
    "make another incident the default first."
)
ARCHIVED = "The incident {code} is archived and can no longer change."
ARCHIVE_OPEN = "Close the incident {code} before archiving it."


async def _clear_default(session: AsyncSession) -> None:
    """Take the default flag off every incident (before another one takes it)."""
    await session.execute(
        update(Incident).where(Incident.is_default.is_(True)).values(is_default=False)
    )
    await session.flush()


def _refuse_archived(incident: Incident) -> None:
    """Raise 409 when the incident is archived."""
    if incident.archived_at is not None:
        raise Conflict("incidents.archived", ARCHIVED, {"code": incident.code})


async def make_default(session: AsyncSession, *, code: str) -> Incident:
    """Make this active incident the one requests without an incident join; the only default.

    Raises NotFound for an unknown code, Conflict when it is closed or archived.
    """
    incident = await get_or_raise(session, code=code)
    _refuse_archived(incident)
    if not incident.active:
        raise Conflict("incidents.default_closed", DEFAULT_CLOSED, {"code": code})
    if not incident.is_default:
        await _clear_default(session)
        incident.is_default = True
        await session.flush()
    return incident


async def close(session: AsyncSession, *, code: str, now: datetime | None = None) -> Incident:
    """Close an incident: it takes no new requests; those it has keep their course.

    Raises Conflict when it is the default (choose another first) or archived. Closing a closed
    incident changes nothing.
    """
    incident = await get_or_raise(session, code=code)
    _refuse_archived(incident)
    if incident.is_default:
        raise Conflict("incidents.close_default", CLOSE_DEFAULT, {"code": code})
    if incident.active:
        incident.active, incident.closed_at = False, now or utcnow()
        await session.flush()
    return incident


async def reopen(session: AsyncSession, *, code: str) -> Incident:
    """Let a closed incident take new requests again; Conflict when it is archived."""
    incident = await get_or_raise(session, code=code)
    _refuse_archived(incident)
    incident.active, incident.closed_at = True, None
    await session.flush()
    return incident


# What other domains do when an incident is archived, run in the same transaction after the
# flag is set: help requests refuse while some are still active, and take the rest off the map
# (registered by jitasa.help_requests.map_layer; incidents cannot import that domain).
ArchiveHook = Callable[[AsyncSession, Incident], Awaitable[None]]
ARCHIVE_HOOKS: list[ArchiveHook] = []


def archived_ids() -> Select:
    """Select the ids of archived incidents (a subquery for other domains' filters)."""
    return select(Incident.id).where(Incident.archived_at.is_not(None))


async def archive(session: AsyncSession, *, code: str, now: datetime | None = None) -> Incident:
    """Archive a closed incident: it and its requests leave the map, for good.

    Raises Conflict when it is still active (close it first), or (from a hook) while some of
    its requests are still open or taken. Archiving twice changes nothing.
    """
    incident = await get_or_raise(session, code=code)
    if incident.active:
        raise Conflict("incidents.archive_active", ARCHIVE_OPEN, {"code": code})
    if incident.archived_at is None:
        incident.archived_at = now or utcnow()
        await session.flush()
        for hook in ARCHIVE_HOOKS:
            await hook(session, incident)
    return incident
