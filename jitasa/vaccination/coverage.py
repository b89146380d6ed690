"""Vaccination coverage: figures per area and date, rolled up from villages to the country.

An area's figure on a date is its own latest row on or before that date, else the sum of its
children's figures (a province ← its districts ← their subdistricts ← their villages). An area
with rows of its own is made of them alone, whatever their dates: the rows inside it (such as
a village counted from its register under a district with imported figures) change neither
its figure nor its trend, and before its first own row it has no figure. So an area's trend
dates are the dates of the rows that make up its figure: its own rows' if it has any, else
those of its children's figures. A village's figures counted from its residents register
are the village's own (and its subdistrict's list's): never added into any area above it.
Codes
nest by prefix (thai.md), so a village 50010103 belongs to subdistrict 500101, district 5001 and
province 50 whether or not rows exist for them. Counts are people (not doses given); coverage is
a percentage of the population, one decimal, None when the population is 0.
"""

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core import area_scope
from jitasa.core.db import change_marks, utcnow
from jitasa.core.errors import NotFound, invalid_field
from jitasa.core.words import CODE_LENGTHS
from jitasa.vaccination.models import Coverage, CoverageRollup
from jitasa.vaccination.rollup import LONE, REGISTER, SUMMED, rolled

DOSES = ("dose_1", "dose_2", "dose_3", "booster")
COUNTS = ("population", *DOSES)
SOURCES = ("import", REGISTER)
BAD_AREA = "“{value}” is not an area code: 2, 4, 6 or 8 digits (a village: subdistrict + 01–99)."
UNKNOWN_AREA = "There is no area with code {code}."
BAD_DOSE = "Dose {value} is not a dose number; doses are numbered from 1."


@dataclass(frozen=True)
class Figures:
    """An area's coverage: people (population, with each dose), its date and where it came from."""

    population: int = 0
    dose_1: int = 0
    dose_2: int = 0
    dose_3: int = 0
    booster: int = 0
    as_of: date | None = None  # the newest date among the rows added up
    source: str = SUMMED  # "import", "register", or "children" when summed

    def __add__(self, other: "Figures") -> "Figures":
        dates = [d for d in (self.as_of, other.as_of) if d]
        return Figures(
            *(getattr(self, c) + getattr(other, c) for c in COUNTS),
            as_of=max(dates) if dates else None,
        )

    def coverage(self) -> dict[str, float | None]:
        """Return the percentage of the population given each dose (None: no population)."""
        return {
            dose: round(100 * getattr(self, dose) / self.population, 1) if self.population else None
            for dose in DOSES
        }


def check_code(code: str) -> str:
    """Return an area code in stored form, or raise `Invalid` naming `area` (422).

    2, 4, 6 or 8 ASCII digits; a village's last two digits (its number) are 01–99.
    """
    text = code.strip()
    if not (text.isascii() and text.isdigit() and len(text) in CODE_LENGTHS):
        raise invalid_field("area", BAD_AREA, value=text[:12])
    if len(text) == 8 and text.endswith("00"):
        raise invalid_field("area", BAD_AREA, value=text)
    return text


async def check_known(session: AsyncSession, code: str) -> None:
    """Raise `NotFound` (404) unless the area exists (a village: its subdistrict exists)."""
    known = code[:6] if len(code) == 8 else code
    if not await areas_service.names(session, codes={known}):
        raise NotFound("vaccination.unknown_area", UNKNOWN_AREA, {"code": code})


def _below(code: str):
    """Condition for the rows of an area and of every area inside it ("" is the country)."""
    return area_scope.inside(Coverage.area_code, code) if code else True


def _figures(row: Coverage) -> Figures:
    return Figures(*(getattr(row, c) for c in COUNTS), as_of=row.as_of, source=row.source)


@dataclass(frozen=True)
class Answer:
    """An area's coverage now, its children's, and the area's trend over the dates of its rows."""

    area: Figures | None
    children: dict[str, Figures]
    trend: list[Figures]
    lone: frozenset[str] = frozenset()  # the area and children whose figure is one village's
    lone_days: frozenset[date] = frozenset()  # the trend dates when the area's figure is


KEPT_ANSWERS = 256  # areas whose last answer this process keeps (the country, provinces…)
_answers: OrderedDict[tuple[str, str], tuple[tuple, Answer]] = OrderedDict()


async def _version(session: AsyncSession, area: str) -> tuple:
    """What changes whenever a row inside the area is added, changed or removed (storing or
    changing a row sets its `updated_at`): `change_marks` of the rows, so a change committed
    after a newer one counts too; for the country, those of the kept roll-up (made again
    whenever a row inside a province is)."""
    dialect = session.get_bind().dialect.name
    if not area:
        kept = select(*change_marks(CoverageRollup.updated_at, dialect))
        return tuple((await session.execute(kept)).one())
    counted = select(*change_marks(Coverage.updated_at, dialect))
    return tuple((await session.execute(counted.where(_below(area)))).one())


async def coverage_of(session: AsyncSession, *, area: str) -> Answer:
    """Return an area's coverage ("" is the country), its children's and its trend.

    The trend has one point per date of a row making up the area's figure (see the module):
    the area's figure from those rows on or before that date. The answer is made from the
    area's rows in one query and kept in this process until a row inside the area changes
    (`_version`, one small query a call).
    The country's answer adds up the kept roll-up of the provinces (77 rows a date) instead of
    reading every row of every date, so its first answer after a change is bounded too.
    Raises `Invalid`/`NotFound` for a malformed or unknown area.
    """
    if area:
        area = check_code(area)
        await check_known(session, area)
    key = (str(session.get_bind().url), area)
    version = await _version(session, area)
    kept = _answers.get(key)
    if kept is not None and kept[0] == version:
        _answers.move_to_end(key)
        return kept[1]
    answer = await _made(session, area)
    _answers[key] = (version, answer)
    _answers.move_to_end(key)
    while len(_answers) > KEPT_ANSWERS:
        _answers.popitem(last=False)
    return answer


async def _history(session: AsyncSession, area: str) -> tuple[list[tuple], dict]:
    """Return the area's figure (a tuple in `Figures` order) on each date of a row making it
    up, oldest first, and every area's figure on the last date, by code (see `_rolled`)."""
    columns = (Coverage.area_code, *(getattr(Coverage, c) for c in COUNTS), Coverage.as_of)
    rows = await session.execute(
        select(*columns, Coverage.source)
        .where(_below(area))
        .order_by(Coverage.as_of, Coverage.area_code)
    )
    return rolled(((code, f[5], tuple(f)) for code, *f in rows), area)


async def _made(session: AsyncSession, area: str) -> Answer:
    """Make an area's answer from its rows (see `coverage_of`); the country's from the kept
    roll-up of its provinces (`refresh_rollup`), the same figures without reading every row."""
    if area:
        return await direct_answer(session, area=area)
    kept = await session.execute(
        select(
            CoverageRollup.area_code,
            *(getattr(CoverageRollup, c) for c in COUNTS),
            CoverageRollup.latest,
            CoverageRollup.source,
            CoverageRollup.as_of,
            CoverageRollup.lone,
        ).order_by(CoverageRollup.as_of, CoverageRollup.area_code)
    )
    rows = [(c, day, tuple(f), lone) for c, *f, day, lone in kept]
    lone_rows = frozenset((c, day) for c, day, _f, lone in rows if lone)
    return _answer(area, *rolled(((c, day, f) for c, day, f, _l in rows), area, lone_rows))


async def direct_answer(session: AsyncSession, *, area: str) -> Answer:
    """Make an area's answer ("" the country) by reading every row inside it, never kept."""
    return _answer(area, *await _history(session, area))


def _answer(area: str, history: list[tuple], totals: dict) -> Answer:
    trend = [replace(Figures(*figures), as_of=day) for day, figures, _lone in history]
    lone = totals.pop(LONE, frozenset())
    children_now = {c: Figures(*f) for c, f in totals.items() if len(c) == len(area) + 2}
    top = Figures(*totals[area]) if area in totals else None
    return Answer(
        area=top,
        children=children_now,
        trend=trend,
        lone=frozenset(c for c in lone if c == area or c in children_now),
        lone_days=frozenset(day for day, _f, alone in history if alone),
    )


LOCKS = 0x6A17_C000  # advisory lock keys of the provinces' coverage: LOCKS + province code


async def lock_provinces(session: AsyncSession, provinces: Iterable[str]) -> None:
    """Hold the provinces' coverage until the caller's transaction ends (PostgreSQL advisory
    locks, taken in code order; SQLite writes one transaction at a time anyway), so two
    transactions never make the same rows again at once: a second waits, then reads the
    first's rows. Safe to call again for a province already held."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for code in sorted(set(provinces)):
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCKS + int(code)}
        )


async def refresh_rollup(session: AsyncSession, provinces: Iterable[str]) -> None:
    """Make the kept roll-up (`CoverageRollup`) of these provinces (2-digit codes) again from
    their rows, in the caller's transaction: one query reading a province's rows, one delete
    and one insert. Callers: whatever changes `vaccination_coverage` rows (`store`, the
    register's counts)."""
    codes = sorted(set(provinces))
    if not codes:
        return
    await lock_provinces(session, codes)
    await session.execute(delete(CoverageRollup).where(CoverageRollup.area_code.in_(codes)))
    now = utcnow()
    for province in codes:
        history, _totals = await _history(session, province)
        values = [
            {
                **dict(zip(COUNTS, figures[:5], strict=True)),
                "area_code": province,
                "as_of": day,
                "latest": figures[5],
                "source": figures[6],
                "lone": lone,
                "updated_at": now,
            }
            for day, figures, lone in history
        ]
        if values:
            await session.execute(insert(CoverageRollup), values)


@dataclass(frozen=True)
class Row:
    """One area's figures on one date, to be stored."""

    area_code: str
    as_of: date
    figures: Figures


async def store(
    session: AsyncSession, rows: Sequence[Row], *, source: str = "import", refresh: bool = True
) -> tuple[int, int, int]:
    """Create or update rows by (area, date) in the caller's transaction; return how many were
    (created, updated, unchanged). Rows are checked by the caller (codes, counts ≥ 0).

    Imported figures win over the residents register's: a village given figures here loses
    the rows counted from its register (`register_counts`), whatever their dates. The kept
    roll-up of the provinces changed is made again (`refresh_rollup`) unless `refresh` is
    False: then the caller refreshes it once, after its last batch (`provinces_of`).
    """
    villages = {r.area_code for r in rows if len(r.area_code) == 8}
    dropped = 0
    if villages and source == "import":
        await lock_provinces(session, provinces_of(villages))  # as `register_counts` does
        dropped = (
            await session.execute(
                delete(Coverage).where(
                    Coverage.area_code.in_(villages), Coverage.source == REGISTER
                )
            )
        ).rowcount
    existing = await _existing(session, [(r.area_code, r.as_of) for r in rows])
    created = updated = unchanged = 0
    for row in rows:
        counts = {c: getattr(row.figures, c) for c in COUNTS}
        found = existing.get((row.area_code, row.as_of))
        if found is None:
            session.add(Coverage(area_code=row.area_code, as_of=row.as_of, source=source, **counts))
            created += 1
        elif found.source == source and all(getattr(found, c) == v for c, v in counts.items()):
            unchanged += 1
        else:
            for name, value in {**counts, "source": source, "updated_at": utcnow()}.items():
                setattr(found, name, value)
            updated += 1
    await session.flush()
    if refresh and created + updated + dropped:
        await refresh_rollup(session, provinces_of(r.area_code for r in rows))
    return created, updated, unchanged


def provinces_of(codes: Iterable[str]) -> set[str]:
    """Return the provinces (2-digit codes) holding these areas."""
    return {code[:2] for code in codes}


async def _existing(
    session: AsyncSession, keys: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], Coverage]:
    keys = set(keys)
    if not keys:
        return {}
    codes, dates = {k[0] for k in keys}, {k[1] for k in keys}
    found = await session.scalars(
        select(Coverage).where(Coverage.area_code.in_(codes), Coverage.as_of.in_(dates))
    )
    return {(r.area_code, r.as_of): r for r in found if (r.area_code, r.as_of) in keys}
