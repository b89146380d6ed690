"""What the desk, dashboard and report pages share: the area and its children, waiting times."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.models import User
from jitasa.areas import service as areas_service
from jitasa.core.i18n import translate
from jitasa.core.thai import format_date
from jitasa.core.words import Role

CHILDREN_LIMIT = 500


@dataclass(frozen=True)
class AreaChoices:
    """The area shown, the way up to the person's own scope, and its children to drill into."""

    code: str | None
    name: str
    parents: list[tuple[str | None, str]]
    children: list[tuple[str, str]]


def _name(names: tuple[str, str], language: str) -> str:
    """Pick the Thai or English name."""
    return names[0] if language == "th" else names[1]


def top_of(user: User | None) -> str | None:
    """Return the widest area a person's pages go up to (None: the whole country)."""
    return None if user is None or Role.ADMIN in user.roles else user.area_code


async def area_choices(
    session: AsyncSession, *, top: str | None, area: str | None, language: str
) -> AreaChoices:
    """Name the area, the areas above it up to `top` (see `top_of`), and its children."""
    codes = set(areas_service.enclosing_codes(area)) if area else set()
    names = await areas_service.names(session, codes=codes)
    everywhere = translate("All of Thailand", language)
    parents: list[tuple[str | None, str]] = []
    if top is None and area is not None:
        parents.append((None, everywhere))
    for code in areas_service.enclosing_codes(area) if area else []:
        if code != area and (top is None or code.startswith(top)):
            parents.append((code, _name(names.get(code, (code, code)), language)))
    children, _cursor = await areas_service.list_areas(
        session, parent=area, query=None, limit=CHILDREN_LIMIT, cursor=None
    )
    return AreaChoices(
        code=area,
        name=_name(names[area], language) if area in names else everywhere,
        parents=parents,
        children=[(a.code, a.name_th if language == "th" else a.name_en) for a in children],
    )


def waited(since: datetime, now: datetime, language: str) -> str:
    """Say how long someone has waited: "2 h 05 min", "ชม." and "นาที" in Thai."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        return translate("{days} days", language, days=hours // 24)
    if hours:
        return translate("{hours} h {minutes} min", language, hours=hours, minutes=f"{minutes:02d}")
    return translate("{minutes} min", language, minutes=minutes)


def duration(minutes: float | None, language: str) -> str:
    """Say a duration in minutes the way people read it: "45 min", "2 h 05 min", "3 days"."""
    if minutes is None:
        return "–"
    return waited(datetime.min, datetime.min + timedelta(minutes=minutes), language)


def short_day(moment: datetime, language: str) -> str:
    """Name a day briefly in Bangkok time: "25 พ.ย." in Thai, "25 Nov" in English."""
    return format_date(moment, language).rsplit(" ", 1)[0]
