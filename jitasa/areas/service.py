"""Areas: the list from geothai, search, boundaries and locating a point."""

import re
import time
from collections import OrderedDict
from dataclasses import dataclass

import geothai
import shapely
import shapely.geometry
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas.locator import AreaLocator, Boundary
from jitasa.areas.models import Area
from jitasa.core.db import change_marks, utcnow
from jitasa.core.errors import Invalid, NotFound
from jitasa.core.words import CODE_LENGTHS, AreaLevel

ENGLISH_LEVEL_WORDS = re.compile(
    r"^\s*(amphoe|amphur|tambon|khet|khwaeng|changwat|district|subdistrict|sub-district|"
    r"province|village)\b\.?\s*",
    re.IGNORECASE,
)
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def search_key(text: str) -> str:
    """Reduce an area name to the form names are matched in (no level words, spaces, case)."""
    return geothai.normalize(ENGLISH_LEVEL_WORDS.sub("", text.translate(THAI_DIGITS)))


def _geothai_rows() -> list[dict]:
    """Return every province, district and subdistrict of geothai as table rows."""
    rows = []
    for province in geothai.provinces():
        rows.append(
            _row(province.code, AreaLevel.PROVINCE, None, province.name_th, province.name_en)
        )
        for district in geothai.districts(province.code):
            rows.append(
                _row(
                    district.code,
                    AreaLevel.DISTRICT,
                    province.code,
                    district.name_th,
                    district.name_en,
                )
            )
            for subdistrict in geothai.subdistricts(district.code):
                rows.append(
                    _row(
                        subdistrict.code,
                        AreaLevel.SUBDISTRICT,
                        district.code,
                        subdistrict.name_th,
                        subdistrict.name_en,
                        " ".join(subdistrict.postal_codes),
                    )
                )
    return rows


def _row(code, level, parent_code, name_th, name_en, postal_codes="") -> dict:
    """Build one areas row."""
    return {
        "code": code,
        "level": level,
        "parent_code": parent_code,
        "name_th": name_th,
        "name_en": name_en,
        "postal_codes": postal_codes,
        "search_key": f"{search_key(name_th)}|{search_key(name_en)}",
    }


async def sync_from_geothai(session: AsyncSession) -> int:
    """Insert or correct every area geothai knows; return how many rows changed (0 if none)."""
    fields = ("level", "parent_code", "name_th", "name_en", "postal_codes", "search_key")
    current = {
        row.code: row
        for row in (await session.execute(select(Area.code, *(getattr(Area, f) for f in fields))))
    }
    changed = 0
    now = utcnow()
    for row in _geothai_rows():  # parents come before children, so foreign keys hold
        existing = current.get(row["code"])
        if existing is None:
            session.add(Area(**row, updated_at=now))
        elif any(getattr(existing, f) != row[f] for f in fields):
            await session.execute(
                update(Area)
                .where(Area.code == row["code"])
                .values(**{f: row[f] for f in fields}, updated_at=now)
            )
        else:
            continue
        changed += 1
    await session.flush()
    return changed


async def get_or_raise(session: AsyncSession, *, code: str) -> Area:
    """Return the area with this DOPA code or raise a 404 error."""
    area = await session.get(Area, code) if CODE_LENGTHS.get(len(code)) else None
    if area is None:
        raise NotFound("areas.not_found", "There is no area with code {code}.", {"code": code})
    return area


UNKNOWN_SUBDISTRICT = "There is no subdistrict with code {code}."
BAD_VILLAGE_NUMBER = "Village number {value} is not between 1 and 99."


def village_code(subdistrict_code: str, number: int) -> str:
    """Return a village's DOPA code: its subdistrict's 6 digits and its number (หมู่ที่ 3 of
    500101 is 50010103); raise `Invalid` for a number outside 1–99."""
    if not 1 <= number <= 99:
        raise Invalid("areas.bad_village_number", BAD_VILLAGE_NUMBER, {"value": number})
    return f"{subdistrict_code}{number:02d}"


async def ensure_villages(session: AsyncSession, *, codes: set[str]) -> None:
    """Create the villages (8-digit codes) not yet in the areas, named หมู่ที่ N (Village N).

    Raises `Invalid` ("areas.unknown_subdistrict") naming the code when a village's
    subdistrict is not a known area. Flushes in the caller's transaction.
    """
    known = set(
        await session.scalars(
            select(Area.code).where(Area.code.in_(codes | {c[:6] for c in codes}))
        )
    )
    for code in sorted(codes - known):
        if code[:6] not in known or len(code) != 8:
            raise Invalid("areas.unknown_subdistrict", UNKNOWN_SUBDISTRICT, {"code": code[:6]})
        number = int(code[6:])
        session.add(
            Area(**_row(code, AreaLevel.VILLAGE, code[:6], f"หมู่ที่ {number}", f"Village {number}"))
        )
    await session.flush()


def enclosing_codes(code: str) -> list[str]:
    """Return the codes of an area and of the areas holding it, province first (codes nest)."""
    return [code[:length] for length in sorted(CODE_LENGTHS) if length <= len(code)]


async def names(session: AsyncSession, *, codes: set[str]) -> dict[str, tuple[str, str]]:
    """Return the Thai and English names of these areas, by code (unknown codes are left out)."""
    if not codes:
        return {}
    rows = await session.execute(
        select(Area.code, Area.name_th, Area.name_en).where(Area.code.in_(codes))
    )
    return {code: (name_th, name_en) for code, name_th, name_en in rows}


async def parents_of(session: AsyncSession, *, codes: list[str]) -> dict[str, list[dict]]:
    """Return the areas holding each of these areas, province first, in one query."""
    above = {c: [p for p in enclosing_codes(c) if p != c] for c in codes}
    found = await names(session, codes={p for parents in above.values() for p in parents})
    return {
        code: [
            {"code": p, "name_th": found[p][0], "name_en": found[p][1]}
            for p in parents
            if p in found
        ]
        for code, parents in above.items()
    }


def _after(cursor: str | None):
    """Keyset condition for areas ordered by level (code length) then code."""
    if not cursor:
        return True
    return or_(
        func.length(Area.code) > len(cursor),
        and_(func.length(Area.code) == len(cursor), Area.code > cursor),
    )


async def list_areas(
    session: AsyncSession,
    *,
    parent: str | None,
    query: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Area], str | None]:
    """List the children of an area (provinces when no parent), or the areas matching a search."""
    statement = select(Area).where(_after(cursor))
    if parent:
        await get_or_raise(session, code=parent)
        statement = statement.where(Area.parent_code == parent)
    if query and query.strip():
        statement = statement.where(_matching(query))
    elif not parent:
        statement = statement.where(Area.level == AreaLevel.PROVINCE)
    rows = (
        await session.scalars(
            statement.order_by(func.length(Area.code), Area.code).limit(limit + 1)
        )
    ).all()
    next_cursor = rows[limit - 1].code if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


def _matching(query: str):
    """Condition for areas whose name contains the query, or whose postal code is the query."""
    digits = query.strip().translate(THAI_DIGITS)
    if re.fullmatch(r"\d{5}", digits):
        return Area.postal_codes.contains(digits, autoescape=True)
    return Area.search_key.contains(search_key(query) or query.strip(), autoescape=True)


async def load_boundaries(session: AsyncSession, *, boundaries: list[Boundary]) -> int:
    """Store checked boundaries on their areas (in the caller's transaction); return the count."""
    now = utcnow()
    for boundary in boundaries:
        await session.execute(
            update(Area)
            .where(Area.code == boundary.code)
            .values(
                boundary=shapely.to_wkb(boundary.geometry), boundary_loaded_at=now, updated_at=now
            )
        )
    await session.flush()
    return len(boundaries)


async def boundary_feature(session: AsyncSession, *, code: str) -> dict:
    """Return an area's boundary as a GeoJSON Feature, or raise 404 when none is loaded."""
    area = await get_or_raise(session, code=code)
    wkb = await session.scalar(select(Area.boundary).where(Area.code == code))
    if wkb is None:
        raise NotFound(
            "areas.no_boundary", "No boundary is loaded for area {code}.", {"code": code}
        )
    return {
        "type": "Feature",
        "id": area.code,
        "properties": {
            "code": area.code,
            "level": area.level,
            "name_th": area.name_th,
            "name_en": area.name_en,
        },
        "geometry": shapely.geometry.mapping(shapely.from_wkb(wkb)),
    }


async def known_codes(session: AsyncSession) -> set[str]:
    """Return every area code in the database."""
    return set((await session.scalars(select(Area.code))).all())


@dataclass(frozen=True)
class AreaDirectory:
    """A snapshot of area names and the boundary locator, shared by a process's requests."""

    stamp: tuple
    names: dict[str, tuple[str, str]]
    locator: AreaLocator


KEPT_DIRECTORIES = 4  # databases whose snapshot a process keeps (one in service, a few in tools)
# By database URL: the snapshot and the monotonic time its stamp was last checked.
_directories: OrderedDict[str, tuple[AreaDirectory, float]] = OrderedDict()


async def directory(session: AsyncSession, *, refresh_seconds: float) -> AreaDirectory:
    """Return the area snapshot of the session's database, rebuilt when areas or boundaries
    changed in it; the stamp is checked at most once every `refresh_seconds`.

    Snapshots are kept per database (by URL): a process that opens more than one (the command
    line run inside a test process, a tool moving data between two) never locates one
    database's pins in another's boundaries, however long its refresh.
    """
    key = str(session.get_bind().url)
    kept = _directories.get(key)
    if kept is not None and time.monotonic() - kept[1] < refresh_seconds:
        _directories.move_to_end(key)
        return kept[0]
    marks = change_marks(Area.updated_at, session.get_bind().dialect.name)
    stamp = tuple((await session.execute(select(*marks))).one())
    checked_at = time.monotonic()
    snapshot = kept[0] if kept is not None and kept[0].stamp == stamp else None
    if snapshot is None:
        snapshot = await _build_directory(session, stamp)
    _directories[key] = (snapshot, checked_at)
    _directories.move_to_end(key)
    while len(_directories) > KEPT_DIRECTORIES:
        _directories.popitem(last=False)
    return snapshot


async def _build_directory(session: AsyncSession, stamp: tuple) -> AreaDirectory:
    """Read names and boundaries from the database into memory."""
    names = {
        r.code: (r.name_th, r.name_en)
        for r in await session.execute(select(Area.code, Area.name_th, Area.name_en))
    }
    rows = await session.execute(select(Area.code, Area.boundary).where(Area.boundary.is_not(None)))
    locator = AreaLocator(Boundary(code, shapely.from_wkb(wkb)) for code, wkb in rows)
    return AreaDirectory(stamp, names, locator)


async def locate(
    session: AsyncSession, *, lat: float, lon: float, refresh_seconds: float = 30.0
) -> dict[str, dict[str, str]]:
    """Return `{level: {code, name_th, name_en}}` for the areas whose boundaries hold the point."""
    snapshot = await directory(session, refresh_seconds=refresh_seconds)
    return {
        level: {
            "code": code,
            "name_th": snapshot.names[code][0],
            "name_en": snapshot.names[code][1],
        }
        for level, code in snapshot.locator.locate(lat, lon).items()
        if code in snapshot.names
    }


async def locate_codes(
    session: AsyncSession, *, lat: float, lon: float, refresh_seconds: float = 30.0
) -> tuple[dict[str, str], bool]:
    """Return `{level: code}` for the point and whether any boundaries are loaded at all."""
    snapshot = await directory(session, refresh_seconds=refresh_seconds)
    return snapshot.locator.locate(lat, lon), len(snapshot.locator) > 0


async def locate_codes_many(
    session: AsyncSession, *, points: list[tuple[float, float]], refresh_seconds: float = 30.0
) -> list[dict[str, str]]:
    """Return `{level: code}` for each (lat, lon), in order, in one pass over the boundaries;
    only areas in the directory, as `locate` answers (about 1 µs a point, not 10)."""
    snapshot = await directory(session, refresh_seconds=refresh_seconds)
    found = snapshot.locator.locate_many([p[0] for p in points], [p[1] for p in points])
    return [{level: c for level, c in codes.items() if c in snapshot.names} for codes in found]


async def inside_point(session: AsyncSession, *, code: str) -> tuple[float, float] | None:
    """Return a point (lat, lon) inside an area, or inside the nearest enclosing area that has a
    boundary loaded (a subdistrict's district); None when none of them has one."""
    rows = await session.execute(
        select(Area.code, Area.boundary).where(
            Area.code.in_(enclosing_codes(code)), Area.boundary.is_not(None)
        )
    )
    found = max(rows, key=lambda row: len(row.code), default=None)
    if found is None:
        return None
    point = shapely.from_wkb(found.boundary).representative_point()
    return point.y, point.x


async def boundaries_of(session: AsyncSession, *, codes: set[str]) -> dict[str, shapely.Geometry]:
    """Return the loaded boundaries of these areas as shapely geometries (lon/lat), by code.

    Areas without a loaded boundary are left out.
    """
    if not codes:
        return {}
    rows = await session.execute(
        select(Area.code, Area.boundary).where(Area.code.in_(codes), Area.boundary.is_not(None))
    )
    return {code: shapely.from_wkb(wkb) for code, wkb in rows}
