"""Coverage as the API and the pages show it: names, levels, percentages and BE dates, with
the small-count rule for readers who may not see a register's figures.

Small-count rule: for a reader who is not area staff of the area (nor the verified อสม. of the
village or subdistrict), counts and percentages are hidden (null, `suppressed: true`):

1. of every village (figures of a few households; for area staff and the village's อสม.);
2. of any other area, or date of its trend, where a count (population, a dose) or what it
   leaves out of the population is 1 to `SMALL_GROUP` − 1 people, or whose figure is one
   village's rows alone (a subdistrict with one village with figures, its district when that
   is all it holds…);
3. of one more child area when the area's figure is the sum of its children, it is shown and
   only one child with figures is hidden by rules 1 and 2 (its total less the others would
   tell the hidden one): the smallest shown child, or else the area itself. An area with
   figures of its own is no sum: the rule leaves it, and its children, alone.

A hidden area's answer has no trend (its dates would tell the days its people were given
doses). Figures counted from a village's residents register are never added into an area
above the village (coverage.py), so no public total less its public parts gives them away.
An area hidden in its parent's answer is hidden in its own answer too, and the other way
round (rules 1 and 2 read the same figures in both answers). The country's answer, made from
the kept roll-up of the provinces, does not know whether a province is one village's rows
(rule 2's second part): rules 1 to 3 still hide it by its counts. An area that adds up two
or more villages is shown when it passes the count rule: a sum of at least ten people.
"""

from collections.abc import Callable
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts.policy import Action
from jitasa.areas import service as areas_service
from jitasa.core.thai import format_thai_date
from jitasa.core.words import CODE_LENGTHS
from jitasa.vaccination.coverage import COUNTS, DOSES, Answer, Figures, coverage_of
from jitasa.vaccination.rollup import SUMMED, parent_code
from jitasa.vaccination.schemas import CoverageAnswer, CoverageFigures, DoseCoverage, TrendPoint
from jitasa.volunteers import service as volunteers_service

COUNTRY = ("ประเทศไทย", "Thailand")
MAX_CHILDREN = 5000
SMALL_GROUP = 10  # fewer people than this (and more than none) are hidden from the public
Sees = Callable[[str], bool]  # whether the reader may see an area's small figures


def nobody(code: str) -> bool:
    """The public reader: sees no area's small figures."""
    return False


async def reader_of(session: AsyncSession, user) -> Sees:
    """Return whom the small-count rule spares for this reader (signed in or None): the areas
    of area staff (`Action.READ_REGISTER_FIGURES`), and for a verified อสม. the areas inside
    their profile's village or subdistrict. Everyone else is `nobody`."""
    if user is None or not user.is_active:
        return nobody
    vhv_area = None
    if not policy.is_staff(user):
        volunteer = await volunteers_service.get_for_user(session, user=user)
        if volunteer is not None and volunteer.kind == "vhv" and volunteer.is_verified:
            vhv_area = volunteer.area_code

    def sees(code: str) -> bool:
        if vhv_area and len(vhv_area) >= 6 and code.startswith(vhv_area):
            return True
        return bool(code) and policy.allows(user, Action.READ_REGISTER_FIGURES, area_code=code)

    return sees


def small(figures: Figures) -> bool:
    """Tell whether figures count a small group: a count, or what a dose count leaves out of
    the population, of 1 to `SMALL_GROUP` − 1 people."""
    counts = [getattr(figures, c) for c in COUNTS]
    left = [figures.population - getattr(figures, d) for d in DOSES]
    return any(0 < n < SMALL_GROUP for n in counts + left)


def _hidden(area: str, answer: Answer, sees: Sees) -> tuple[bool, set[str]]:
    """Return whether the area's figures are hidden from this reader by rules 1 to 3 within
    its own answer, and which of its child areas are."""
    private = not sees(area)
    top = answer.area
    top_hidden = (
        private and top is not None and (len(area) == 8 or small(top) or area in answer.lone)
    )
    hidden = {
        c for c, f in answer.children.items()
        if not sees(c) and (len(c) == 8 or small(f) or c in answer.lone)
    }  # fmt: skip
    if top is None or top_hidden or top.source != SUMMED or len(hidden) != 1:
        return top_hidden, hidden
    others = [c for c in answer.children if c not in hidden and not sees(c)]
    if others:
        return top_hidden, hidden | {min(others, key=lambda c: (answer.children[c].population, c))}
    return private, hidden


async def _hidden_by_parent(session: AsyncSession, area: str, sees: Sees) -> bool:
    """Tell whether the area's row in its parent's answer is hidden from this reader, so its
    own answer hides it the same way (rule 3 may pick it to keep a sibling hidden)."""
    if not area or sees(area):
        return False
    parent = parent_code(area)
    _top_hidden, hidden = _hidden(parent, await coverage_of(session, area=parent), sees)
    return area in hidden


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


def _shown(
    code: str, figures: Figures | None, names: dict, *, hidden: bool = False
) -> CoverageFigures:
    name_th, name_en = _name(code, names)
    level = CODE_LENGTHS[len(code)].value if code else "country"
    if figures is None or hidden:
        return CoverageFigures(
            code=code, level=level, name_th=name_th, name_en=name_en,
            **dict.fromkeys(COUNTS), coverage=DoseCoverage(**dict.fromkeys(DOSES)),
            as_of=figures.as_of if figures else None,
            as_of_th=_be(figures.as_of) if figures else None,
            source=figures.source if figures else None, suppressed=hidden,
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


def _point(point: Figures, hidden: bool) -> TrendPoint:
    if hidden:
        return TrendPoint(
            as_of=point.as_of, as_of_th=_be(point.as_of), **dict.fromkeys(COUNTS),
            coverage=DoseCoverage(**dict.fromkeys(DOSES)), suppressed=True,
        )  # fmt: skip
    return TrendPoint(
        as_of=point.as_of,
        as_of_th=_be(point.as_of),
        **{c: getattr(point, c) for c in COUNTS},
        coverage=DoseCoverage(**point.coverage()),
    )


async def coverage_answer(
    session: AsyncSession, *, area: str, sees: Sees = nobody
) -> CoverageAnswer:
    """Return an area's coverage with every child area (those without figures as nulls),
    figures of small groups hidden from a reader who may not see them (`sees`, the module's
    small-count rule; the public by default).

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
    private = not sees(area)
    top_hidden, hidden = _hidden(area, answer, sees)
    top_hidden = answer.area is not None and (
        top_hidden or await _hidden_by_parent(session, area, sees)
    )
    return CoverageAnswer(
        area=_shown(area, answer.area, names, hidden=top_hidden),
        items=[_shown(c, answer.children.get(c), names, hidden=c in hidden) for c in sorted(codes)],
        trend=[]  # a hidden area's dates would tell the days its few people were given doses
        if private and top_hidden
        else [
            _point(p, private and (small(p) or p.as_of in answer.lone_days)) for p in answer.trend
        ],
    )
