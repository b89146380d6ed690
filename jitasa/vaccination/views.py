"""Coverage as the API and the pages show it: names, levels, percentages and BE dates."""

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.thai import format_thai_date
from jitasa.core.words import CODE_LENGTHS
from jitasa.vaccination.coverage import COUNTS, DOSES, Figures, coverage_of
from jitasa.vaccination.schemas import CoverageAnswer, CoverageFigures, DoseCoverage, TrendPoint

COUNTRY = ("ประเทศไทย", "Thailand")
MAX_CHILDREN = 5000


def _be(day: date | None) -> str | None:
    return format_thai_date(day) if day else None


def _name(code: str, names: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """Return an area's names; a village is named by its number and subdistrict."""
    if not code:
        return COUNTRY
    if len(code) == 8:
        number = int(code[6:])
        th, en = names.get(code[:6], ("", ""))
        return f"หมู่ที่ {number} ต.{th}".strip(), f"Village {number}, {en}".strip(" ,")
    return names.get(code, (code, code))


def _shown(code: str, figures: Figures | None, names: dict) -> CoverageFigures:
    name_th, name_en = _name(code, names)
    level = CODE_LENGTHS[len(code)].value if code else "country"
    if figures is None:
        return CoverageFigures(
            code=code, level=level, name_th=name_th, name_en=name_en,
            **dict.fromkeys(COUNTS), coverage=DoseCoverage(**dict.fromkeys(DOSES)),
            as_of=None, as_of_th=None, source=None,
        )  # fmt: skip
    return CoverageFigures(
        code=code,
        level=level,
        name_th=name_th,
        name_en=name_en,
        **{c: getattr(figures, c) for c in COUNTS},
        coverage=DoseCoverage(**figures.coverage()),
        as_of=figures.as_of,
        as_of_th=_be(figures.as_of),
        source=figures.source,
    )


async def coverage_answer(session: AsyncSession, *, area: str) -> CoverageAnswer:
    """Return an area's coverage with every child area (those without figures as nulls).

    The children are the areas list's (provinces of the country, districts of a province,
    subdistricts of a district) and any village with figures. Raises like `coverage_of`.
    """
    answer = await coverage_of(session, area=area)
    codes = set(answer.children)
    if len(area) < 6:
        listed, _ = await areas_service.list_areas(
            session, parent=area or None, query=None, limit=MAX_CHILDREN, cursor=None
        )
        codes.update(a.code for a in listed)
    wanted = {c[:6] if len(c) == 8 else c for c in (*codes, area) if c}
    names = await areas_service.names(session, codes=wanted)
    return CoverageAnswer(
        area=_shown(area, answer.area, names),
        items=[_shown(c, answer.children.get(c), names) for c in sorted(codes)],
        trend=[
            TrendPoint(
                as_of=point.as_of,
                as_of_th=_be(point.as_of),
                **{c: getattr(point, c) for c in COUNTS},
                coverage=DoseCoverage(**point.coverage()),
            )
            for point in answer.trend
        ],
    )
