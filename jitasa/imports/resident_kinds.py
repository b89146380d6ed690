"""Import kinds of a village residents register and of vaccine doses (personal health data).

`residents`: one person a row (village by subdistrict and หมู่ที่, household, name, birth year in
BE or CE, sex, phone, the 608 flags, national ID), an upsert by the national ID's keyed digest.
`vaccination_doses`: one dose a row (national ID, dose number, vaccine, date, place), built for a
million rows: no ORM object and no database lookup per row, repeated dates read once, the batch
written with one INSERT … ON CONFLICT DO NOTHING (a dose already recorded stays unchanged).
National IDs are never repeated in a report: their cells show only the first and last digits
(`Kind.secret_fields`), and their errors name the column, not the number.
"""

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.config import get_settings
from jitasa.core.errors import FieldError, Invalid
from jitasa.core.thai import normalize_phone
from jitasa.imports import values
from jitasa.imports.columns import Column, loose
from jitasa.imports.kinds import (
    OUT_OF_AREA,
    Checked,
    Kind,
    RowError,
    Written,
    cell_text,
    read,
    register,
    warning,
)
from jitasa.imports.places import AreaNames, pin
from jitasa.vaccination import doses as doses_service
from jitasa.vaccination import national_ids, register_counts
from jitasa.vaccination import residents as residents_service
from jitasa.vaccination.schemas import MAX_DOSE_NUMBER

BAD_SEX = "“{value}” is not a sex; write ชาย or หญิง (male or female)."
BAD_DOSE_NUMBER = "Dose number {value} is not between 1 and {top}."
SEX_WORDS = {"ชาย": "male", "ช": "male", "m": "male", "male": "male", "นาย": "male",
             "หญิง": "female", "ญ": "female", "f": "female", "female": "female"}  # fmt: skip
NATIONAL_ID = Column(
    "national_id", "เลขประจำตัวประชาชน", "national id",
    ("เลขบัตรประชาชน", "เลขบัตรประจำตัวประชาชน", "cid", "pid", "id card"),
    example="1-1017-00230-70-8", required=True,
)  # fmt: skip
REMEMBERED_PEOPLE = 20_000  # people whose doses in the file are kept to check the order
REMEMBERED_DATES = 4096
PENDING = 1000  # doses whose lower-numbered dose is missing, checked again at the file's end


def _national_id(cells: Mapping[str, object], key: bytes) -> bytes:
    text = cell_text(cells, "national_id")
    try:
        digits = national_ids.normalize_national_id(text)
    except Invalid as error:
        raise RowError.on("national_id", error) from None
    return national_ids.digest(digits, key=key)


@register
class Residents(Kind):
    """A village residents register: one person a row, matched by national ID."""

    name = "residents"
    key_field = "national_id"
    title = "Residents register"
    secret_fields = frozenset({"national_id"})
    columns = (
        NATIONAL_ID,
        Column("subdistrict", "ตำบล", "subdistrict", ("รหัสตำบล", "แขวง", "tambon"),
               example="ศรีภูมิ", required=True),
        Column("district", "อำเภอ", "district", ("เขต", "amphoe"), example="เมืองเชียงใหม่"),
        Column("village", "หมู่ที่", "village number", ("หมู่", "village"), example=3,
               required=True),
        Column("household", "บ้านเลขที่", "house number", ("บ้าน", "household", "house"),
               example="12/1", required=True),
        Column("name", "ชื่อ-สกุล", "name", ("ชื่อ", "ชื่อสกุล", "full name"),
               example="บุญมี ใจงาม", required=True),
        Column("birth_year", "ปีเกิด", "birth year", ("ปีเกิด พ.ศ.", "year of birth"),
               example=2490, required=True),
        Column("sex", "เพศ", "sex", ("gender",), example="หญิง", required=True),
        Column("phone", "เบอร์โทร", "phone", ("โทรศัพท์", "มือถือ", "tel")),
        Column("chronic_disease", "โรคเรื้อรัง", "chronic disease", ("7 โรคเรื้อรัง", "chronic"),
               example="มี"),
        Column("pregnant", "ตั้งครรภ์", "pregnant", ("หญิงตั้งครรภ์",), example="ไม่มี"),
        Column("lat", "ละติจูด", "latitude", ("lat",)),
        Column("lon", "ลองจิจูด", "longitude", ("long", "lng", "lon")),
    )  # fmt: skip
    needs = (("national_id",), ("subdistrict",), ("village",), ("household",), ("name",),
             ("birth_year",), ("sex",))  # fmt: skip

    async def prepare(self, session: AsyncSession) -> None:
        """Load the area names and the national ID key."""
        self.areas = await AreaNames.load(session)
        self.key = national_ids.key_of(get_settings())
        self.villages: set[str] = set()  # whose register changed: counted again at the end

    def _village(self, cells: Mapping[str, object]) -> str:
        district = cell_text(cells, "district")
        within = None
        try:
            if district:
                within = self.areas.find(district, level="district")
            subdistrict = self.areas.find(
                cell_text(cells, "subdistrict"), level="subdistrict", within=within
            )
        except Invalid as error:
            raise RowError.on(
                "subdistrict" if within or not district else "district", error
            ) from None
        if len(subdistrict) != 6:
            error = Invalid(
                "areas.unknown_subdistrict",
                areas_service.UNKNOWN_SUBDISTRICT,
                {"code": subdistrict},
            )
            raise RowError.on("subdistrict", error)
        number = read(cells, "village", values.whole_number)
        try:
            code = areas_service.village_code(subdistrict, number or 0)
        except Invalid as error:
            raise RowError.on("village", error) from None
        if self.scope and not code.startswith(self.scope):
            raise RowError([warning("subdistrict", OUT_OF_AREA, scope=self.scope)])
        return code

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Check one person: village, birth year (BE or CE, by range), sex, phone, ID."""
        village = self._village(cells)
        digest = _national_id(cells, self.key)
        digits = national_ids.normalize_national_id(cell_text(cells, "national_id"))
        year = read(cells, "birth_year", values.whole_number)
        try:
            birth_year = residents_service.birth_year_ce(year or 0)
        except Invalid as error:
            raise RowError.on("birth_year", error) from None
        sex_text = cell_text(cells, "sex")
        sex = SEX_WORDS.get(loose(sex_text))
        if sex is None:
            error = Invalid("vaccination.bad_sex", BAD_SEX, {"value": sex_text[:20]})
            raise RowError.on("sex", error)
        phone = cell_text(cells, "phone") or None
        if phone:
            try:
                phone = normalize_phone(phone)
            except Invalid as error:
                raise RowError.on("phone", error) from None
        found = pin(cells)
        lat, lon, notes = found if found else (None, None, [])
        row = {
            "village_code": village,
            "household": cell_text(cells, "household")[:40],
            "household_lat": lat,
            "household_lon": lon,
            "name": cell_text(cells, "name")[:200],
            "birth_year": birth_year,
            "sex": sex,
            "phone": phone,
            "chronic_disease": read(cells, "chronic_disease", values.yes_no, default=False),
            "pregnant": read(cells, "pregnant", values.yes_no, default=False),
            "national_id_hmac": digest,
            "national_id_masked": national_ids.mask_national_id(digits),
        }
        for needed in ("household", "name"):
            if not row[needed]:
                raise RowError.on(
                    needed, Invalid("validation.missing", "{field} is required.", {"field": needed})
                )
        return Checked(0, row, digest.hex(), notes)

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Create the people not registered yet and update the others."""
        created, updated, villages = await residents_service.write_batch(
            session, [r.value for r in rows]
        )
        self.villages |= villages
        return Written(created=created, updated=updated, unchanged=len(rows) - created - updated)

    async def finish(self, session: AsyncSession) -> list[tuple[int, list[FieldError]]]:
        """Count the coverage of the villages whose register changed again, once."""
        await register_counts.recount(session, self.villages)
        return []


@register
class Doses(Kind):
    """Vaccine doses given: national ID, dose number, vaccine, date, place."""

    name = "vaccination_doses"
    title = "Vaccine doses"
    secret_fields = frozenset({"national_id"})
    columns = (
        NATIONAL_ID,
        Column("number", "เข็มที่", "dose number", ("เข็ม", "dose", "dose no"), example=1,
               required=True),
        Column("vaccine", "วัคซีน", "vaccine", ("ชนิดวัคซีน", "ยี่ห้อวัคซีน", "brand"),
               example="Sinovac", required=True),
        Column("given_on", "วันที่ฉีด", "date given", ("วันที่", "date", "วันฉีด"),
               example="01/08/2564", required=True),
        Column("place", "สถานที่ฉีด", "place", ("หน่วยบริการ", "สถานที่", "hospital")),
    )  # fmt: skip
    needs = (("national_id",), ("number",), ("vaccine",), ("given_on",))

    async def prepare(self, session: AsyncSession) -> None:
        """Load the national ID key; start the caches of dates and of people's doses."""
        self.key = national_ids.key_of(get_settings())
        self.dates: dict[object, date] = {}
        self.people: OrderedDict[bytes, dict[int, date]] = OrderedDict()
        self.texts: dict[str, str] = {}
        self.pending: list[tuple[int, bytes, int]] = []  # (row, person, dose number)
        self.villages: set[str] = set()  # of the people given new doses: counted at the end

    def _date(self, cells: Mapping[str, object]) -> date:
        cell = cells.get("given_on")
        cache_key = cell if isinstance(cell, str | int | float) else repr(cell)
        found = self.dates.get(cache_key)
        if found is None:
            when = read(cells, "given_on", values.when)
            if when is None:
                raise RowError.on(
                    "given_on",
                    Invalid("validation.missing", "{field} is required.", {"field": "given_on"}),
                )
            try:
                found = doses_service.check_date(when.astimezone(doses_service.BANGKOK).date())
            except Invalid as error:
                raise RowError.on("given_on", error) from None
            if len(self.dates) < REMEMBERED_DATES:
                self.dates[cache_key] = found
        return found

    def _text(self, cells: Mapping[str, object], name: str, length: int) -> str:
        cell = cells.get(name)
        if isinstance(cell, str) and cell in self.texts:
            return self.texts[cell]
        text = cell_text(cells, name)[:length]
        if isinstance(cell, str) and len(self.texts) < REMEMBERED_DATES:
            self.texts[cell] = text
        return text

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Check one dose; warn when it is dated before a lower dose of the person in the file."""
        digest = _national_id(cells, self.key)
        number = read(cells, "number", values.whole_number)
        if number is None or not 1 <= number <= MAX_DOSE_NUMBER:
            error = Invalid(
                "vaccination.bad_dose_number",
                BAD_DOSE_NUMBER,
                {"value": number, "top": MAX_DOSE_NUMBER},
            )
            raise RowError.on("number", error)
        given_on = self._date(cells)
        vaccine = self._text(cells, "vaccine", 60)
        if not vaccine:
            raise RowError.on(
                "vaccine",
                Invalid("validation.missing", "{field} is required.", {"field": "vaccine"}),
            )
        earlier = self.people.get(digest)
        notes = []
        if earlier is None:
            earlier = self.people[digest] = {}
            if len(self.people) > REMEMBERED_PEOPLE:
                self.people.popitem(last=False)
        else:
            notes = doses_service.order_warnings(number, given_on, earlier)
        earlier[number] = given_on
        row = (digest, number, vaccine, given_on, self._text(cells, "place", 200), None)
        return Checked(0, row, None, notes)

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Insert the batch; doses already recorded are left unchanged, new ones count in
        their villages' coverage at the end (`finish`). A dose whose person has no lower-numbered
        dose, in the file so far or stored, is kept for `finish` (a later row may hold it);
        past `PENDING` of them, the oldest are warned about at once."""
        actor_id = getattr(actor, "id", None)
        batch = [(*r.value[:5], actor_id) for r in rows]
        created, villages = await doses_service.write_batch(session, batch)
        self.villages |= villages
        unsure = [
            (r.row, r.value[0], r.value[1])
            for r in rows
            if not set(range(1, r.value[1])) <= self.people.get(r.value[0], {}).keys()
        ]
        self.pending += await self._missing(session, unsure)
        overflow = max(len(self.pending) - PENDING, 0)
        warned, self.pending = self.pending[:overflow], self.pending[overflow:]
        return Written(created=created, unchanged=len(rows) - created, warnings=_notes(warned))

    async def finish(self, session: AsyncSession) -> list[tuple[int, list[FieldError]]]:
        """Count the coverage of the villages given new doses again, once; warn about each
        dose whose person still has no lower-numbered dose stored."""
        await register_counts.recount(session, self.villages)
        return _notes(await self._missing(session, [p[:3] for p in self.pending]))

    @staticmethod
    async def _missing(session: AsyncSession, unsure: list[tuple[int, bytes, int]]) -> list:
        """Return (row, person, number, numbers stored) of the doses whose person has no
        lower-numbered dose stored."""
        if not unsure:
            return []
        stored = await doses_service.numbers_of(session, {digest for _r, digest, _n in unsure})
        found = [(*dose, stored.get(dose[1], set())) for dose in unsure]
        return [dose for dose in found if not set(range(1, dose[2])) <= dose[3]]


def _notes(missing: list[tuple[int, bytes, int, set[int]]]) -> list[tuple[int, list[FieldError]]]:
    return [(row, doses_service.missing_warnings(n, known)) for row, _d, n, known in missing]
