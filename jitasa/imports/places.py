"""Areas and pins in import rows: an area by code or by Thai or English name, a checked pin.

Names are matched in the areas' search form (`areas.service.search_key`: no level words such
as อ. or Amphoe, no spaces, case ignored) against the process's area directory, preferring the
level the column names (อำเภอ → districts), the province holding the row's pin, and else the
province of the file's other rows.
"""

from collections import Counter, defaultdict
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.errors import FieldError, Invalid
from jitasa.core.words import LEVEL_LENGTHS
from jitasa.imports import values
from jitasa.imports.kinds import RowError, read, warning

UNKNOWN_AREA = "There is no area named or coded “{value}”."
AMBIGUOUS_AREA = "“{value}” names {count} areas; write its code instead, such as {codes}."
SWAPPED_WARNING = values.SWAPPED


class AreaNames:
    """Area codes by name, built once per import from the area directory."""

    def __init__(self, names: Mapping[str, tuple[str, str]]) -> None:
        self.codes = set(names)
        self.provinces: Counter[str] = Counter()
        self.by_key: dict[str, list[str]] = defaultdict(list)
        for code, (name_th, name_en) in names.items():
            for name in {name_th, name_en}:
                key = areas_service.search_key(name)
                if key:
                    self.by_key[key].append(code)

    @classmethod
    async def load(cls, session: AsyncSession, refresh_seconds: float = 60.0) -> "AreaNames":
        """Build the index from the areas in the database."""
        directory = await areas_service.directory(session, refresh_seconds=refresh_seconds)
        return cls(directory.names)

    def find(self, text: str, *, level: str | None = None, within: str | None = None) -> str:
        """Return the code of the area a cell names, or raise `Invalid`."""
        cleaned = values.text_of(text)
        if cleaned.isdigit() and cleaned in self.codes:
            return cleaned
        found = self.by_key.get(areas_service.search_key(cleaned), [])
        if within and len(found) > 1:
            found = [c for c in found if c.startswith(within)] or found
        if len(found) > 1 and self.provinces:  # the province the file's other rows are in
            usual = self.provinces.most_common(1)[0][0]
            found = [c for c in found if c.startswith(usual)] or found
        if level and len(found) > 1:
            found = [c for c in found if len(c) == LEVEL_LENGTHS[level]] or found
        if not found:
            raise Invalid("imports.unknown_area", UNKNOWN_AREA, {"value": cleaned[:60]})
        if len(found) > 1:
            raise Invalid(
                "imports.ambiguous_area",
                AMBIGUOUS_AREA,
                {"value": cleaned[:60], "count": len(found), "codes": ", ".join(sorted(found)[:3])},
            )
        self.provinces[found[0][:2]] += 1
        return found[0]


def pin(
    cells: Mapping[str, object], *, lat: str = "lat", lon: str = "lon", pair: str = "coordinates"
) -> tuple[float, float, list[FieldError]] | None:
    """Read a row's pin from lat and lon columns or one position column; None when it has none.

    A swapped pair is turned round with a warning; a pin outside Thailand is refused.
    """
    found_lat = read(cells, lat, values.coordinate)
    found_lon = read(cells, lon, values.coordinate)
    column = lat
    if found_lat is None or found_lon is None:
        both = read(cells, pair, values.pair)
        if both is None:
            if found_lat is not None or found_lon is not None:
                missing = lon if found_lon is None else lat
                raise RowError([warning(missing, "{field} is required.", field=missing)])
            return None
        (found_lat, found_lon), column = both, pair
    try:
        checked_lat, checked_lon, swapped = values.position(found_lat, found_lon)
    except Invalid as error:
        raise RowError.on(column, error) from None
    notes = []
    if swapped:
        notes.append(warning(column, SWAPPED_WARNING, lat=found_lat, lon=found_lon))
    return checked_lat, checked_lon, notes
