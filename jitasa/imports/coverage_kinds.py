"""Import kind of vaccination coverage: population and people given each dose, per area.

A row names its area by code (province 2 digits, district 4, subdistrict 6, village 8) or by
name, or a subdistrict plus a village number (หมู่ที่). Its date is the row's own (a "วันที่"
column), else the one in the file's title ("ข้อมูล ณ วันที่ 14 พฤศจิกายน 2564"). Rows are kept by
(area, date) through `vaccination.coverage.store`: the same file imported twice changes nothing.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.errors import DomainError, Invalid
from jitasa.core.thai import BANGKOK, parse_thai_date
from jitasa.imports import values
from jitasa.imports.columns import Column
from jitasa.imports.kinds import (
    OUT_OF_AREA,
    Checked,
    Kind,
    RowError,
    Written,
    cell_text,
    read,
    register,
)
from jitasa.imports.kinds import warning as note
from jitasa.imports.places import AreaNames
from jitasa.vaccination import coverage, doses

NO_DATE = (
    "No date for these figures: add a column วันที่ (as of) or write the date in the title, "
    "such as ข้อมูล ณ วันที่ 14 พฤศจิกายน 2564."
)
FUTURE_DATE = "{value} is in the future; coverage is counted up to today."
BAD_VILLAGE = "Village number “{value}” is not 1–99."
VILLAGE_NEEDS_SUBDISTRICT = "A village number needs the subdistrict's 6-digit code, not “{value}”."
MORE_THAN = "{field} ({count}) is more than {other_field} ({other_count}); check the figures."
NAME_DIFFERS = "The code {code} is {name}, not “{value}”; the code was used."
_TITLE_DATE = re.compile(r"\d{1,2}\s*(?:[/.-]\s*\d{1,2}\s*[/.-]|[^\d\s/.-][^\d\s]*)\s*\d{2,4}")


def title_date(lines: Sequence[str]) -> date | None:
    """Return the first date written in a file's title rows (BE or CE), or None."""
    for line in lines:
        for found in _TITLE_DATE.finditer(values.text_of(line)):
            try:
                return parse_thai_date(found.group())
            except DomainError:
                continue
    return None


def count(value: object) -> int:
    """Read a count of people: a whole number, 0 or more."""
    found = values.whole_number(value)
    if found < 0:
        raise Invalid("thai.bad_number", "“{value}” is not a number of people.", {"value": found})
    return found


@register
class VaccinationCoverage(Kind):
    """Vaccination coverage per area and date: population, doses 1, 2, 3 and boosters."""

    name = "vaccination_coverage"
    key_field = "area_code"
    title = "Vaccination coverage"
    columns = (
        Column("area_code", "รหัสพื้นที่", "area code",
               ("รหัสอำเภอ", "รหัสตำบล", "รหัสจังหวัด", "รหัสหมู่บ้าน", "รหัส", "code"),
               example="5001", required=True),
        Column("area_name", "พื้นที่", "area",
               ("อำเภอ", "ตำบล", "จังหวัด", "หมู่บ้าน", "ชื่อพื้นที่", "name", "district"),
               example="เมืองเชียงใหม่"),
        Column("village_no", "หมู่ที่", "village number", ("หมู่", "village no"), example=""),
        Column("as_of", "วันที่", "as of",
               ("ข้อมูล ณ วันที่", "ณ วันที่", "date", "วันที่ข้อมูล"), example="14/11/2564"),
        Column("population", "ประชากร", "population",
               ("จำนวนประชากร", "ประชากรเป้าหมาย", "เป้าหมาย", "target"), example=161139,
               required=True),
        Column("dose_1", "เข็ม 1", "dose 1", ("เข็มที่ 1", "เข็มแรก", "first dose"), example=83964),
        Column("dose_2", "เข็ม 2", "dose 2", ("เข็มที่ 2", "second dose"), example=75330),
        Column("dose_3", "เข็ม 3", "dose 3", ("เข็มที่ 3", "third dose"), example=7075),
        Column("booster", "เข็มกระตุ้น", "booster",
               ("เข็ม 4", "เข็มที่ 4", "เข็มกระตุ้น 4", "boosters"), example=0),
    )  # fmt: skip
    needs = (("area_code", "area_name"), ("population",), ("dose_1",))

    async def prepare(self, session: AsyncSession) -> None:
        """Load the area names and read the date of the file's title."""
        self.areas = await AreaNames.load(session)
        self.names = (await areas_service.directory(session, refresh_seconds=60.0)).names
        self.title_date = title_date(self.preamble)
        self.provinces: set[str] = set()  # whose rows changed: their roll-up is made at the end

    def _area(self, cells: Mapping[str, object]) -> tuple[str, list]:
        """Return the row's area code and any warning about its name."""
        field = "area_code" if cell_text(cells, "area_code") else "area_name"
        text = cell_text(cells, field)
        if not text:
            raise RowError([note("area_code", "{field} is missing.", field="area_code")])
        number = read(cells, "village_no", count)
        try:
            code = text if text.isdigit() and len(text) == 8 else self.areas.find(text)
        except DomainError as error:
            raise RowError.on(field, error) from None
        if number is not None:
            if len(code) != 6:
                raise RowError([note(field, VILLAGE_NEEDS_SUBDISTRICT, value=code)])
            if not 1 <= number <= 99:
                raise RowError([note("village_no", BAD_VILLAGE, value=number)])
            code = f"{code}{number:02d}"
        try:
            code = coverage.check_code(code)
        except DomainError as error:
            raise RowError.on(field, error) from None
        if (code[:6] if len(code) == 8 else code) not in self.names:
            raise RowError([note(field, "There is no area with code {code}.", code=code)])
        if self.scope and not code.startswith(self.scope):
            raise RowError([note(field, OUT_OF_AREA, scope=self.scope)])
        return code, self._name_check(code, cells)

    def _name_check(self, code: str, cells: Mapping[str, object]) -> list:
        named = cell_text(cells, "area_name")
        if not named or len(code) == 8 or not cell_text(cells, "area_code"):
            return []
        known = self.names[code]
        key = areas_service.search_key(named)
        if key in {areas_service.search_key(n) for n in known}:
            return []
        return [note("area_name", NAME_DIFFERS, code=code, name=known[0], value=named[:60])]

    def _date(self, cells: Mapping[str, object]) -> date:
        day = read(cells, "as_of", lambda v: values.when(v).astimezone(BANGKOK).date())
        day = day or self.title_date
        if day is None:
            raise RowError([note("as_of", NO_DATE)])
        try:
            return doses.check_date(day, field="as_of", future=FUTURE_DATE)
        except DomainError as error:
            raise RowError.on("as_of", error) from None

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Check one row: a known area, a date from 28 February 2021 (the first vaccination) to
        today, counts of people 0 or more."""
        code, warnings = self._area(cells)
        day = self._date(cells)
        counts = {c: read(cells, c, count, default=0) for c in coverage.COUNTS}
        order = coverage.COUNTS
        for smaller, larger in zip(order[1:], order, strict=False):
            if counts[smaller] > counts[larger] and counts[larger]:
                warnings.append(
                    note(smaller, MORE_THAN, field=smaller, count=counts[smaller],
                         other_field=larger, other_count=counts[larger])
                )  # fmt: skip
        figures = coverage.Figures(**counts)
        row = coverage.Row(area_code=code, as_of=day, figures=figures)
        return Checked(row=0, value=row, key=f"{code}|{day.isoformat()}", warnings=warnings)

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Create or update each (area, date); the same figures again change nothing."""
        stored = [r.value for r in rows]
        created, updated, unchanged = await coverage.store(
            session, stored, source="import", refresh=False
        )
        self.provinces |= coverage.provinces_of(r.area_code for r in stored)
        return Written(created=created, updated=updated, unchanged=unchanged)

    async def finish(self, session: AsyncSession) -> list:
        """Make the kept roll-up of the provinces changed again, once for the whole file."""
        await coverage.refresh_rollup(session, self.provinces)
        return []
