"""Import kinds of people: help requests (a hotline sheet) and volunteers (a roster of อสม.).

Both write through their domain's bulk module (`help_requests.bulk`, `volunteers.bulk`), which
checks each row with the API's schema and writes a batch with a few multi-row INSERTs. Their
tables keep no external id, so the key of each imported row (an external id column, else a
volunteer's phone, or a request's reporting time, phone, category and pin) is kept as a digest
in `imported_rows`: the same row imported again is found there and changes nothing.
"""

import hashlib
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import ClassVar

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.db import utcnow
from jitasa.core.errors import Invalid
from jitasa.core.thai import format_thai_date, normalize_phone
from jitasa.core.words import TRIAGE_COLOURS, Urgency
from jitasa.help_requests import bulk as requests_bulk
from jitasa.help_requests import service as requests_service
from jitasa.help_requests.schemas import HelpRequestCreate
from jitasa.imports import values
from jitasa.imports.columns import Column, loose
from jitasa.imports.kinds import (
    Checked,
    Kind,
    RowError,
    Written,
    cell_text,
    read,
    register,
    warning,
)
from jitasa.imports.models import ImportedRow
from jitasa.imports.places import AreaNames, pin
from jitasa.volunteers import bulk as volunteers_bulk
from jitasa.volunteers.schemas import VolunteerImport

UNKNOWN_CATEGORY = "“{value}” is not a kind of help; use one of: {expected}."
UNKNOWN_URGENCY = "“{value}” is not a triage colour; write แดง, เหลือง or เขียว (or ด่วน, ปกติ)."
COLOUR_NOT_MEDICAL = (
    "“{value}” is a triage colour, which is for medical needs; this need is recorded as {urgency}."
)
TRIAGE = set(TRIAGE_COLOURS)
NO_TRIAGE = "No triage colour: recorded as yellow (สีเหลือง) until someone triages it."
NO_HOME = "{field} is missing: give a position or the subdistrict and district."
URGENCY_WORDS = {
    "แดง": "red", "สีแดง": "red", "เหลือง": "yellow", "สีเหลือง": "yellow", "เขียว": "green",
    "สีเขียว": "green", "ด่วน": "urgent", "ด่วนมาก": "urgent", "ปกติ": "normal",
}  # fmt: skip
VOLUNTEER_WORDS = {
    "อสม": "vhv", "อสส": "vhv", "กำนัน": "kamnan", "ผู้ใหญ่บ้าน": "village_headman",
    "อปพร": "civil_defence", "กู้ภัย": "rescue", "กู้ชีพ": "rescue", "มูลนิธิ": "rescue",
    "นักเรียน": "student", "นักศึกษา": "student", "อถล": "local_volunteer",
    "อปท": "local_official", "ผู้นำอาสาพัฒนาชุมชน": "community_leader",
    "สมาชิกกองทุนพัฒนาบทบาทสตรี": "womens_fund", "จิตอาสา": "general", "ทั่วไป": "general",
}  # fmt: skip
VEHICLE_WORDS = {
    "มอเตอร์ไซค์": "motorcycle", "จักรยานยนต์": "motorcycle", "รถยนต์": "car", "เก๋ง": "car",
    "กระบะ": "pickup", "รถกระบะ": "pickup", "รถตู้": "van", "รถพยาบาล": "ambulance",
}  # fmt: skip
NOBODY = SimpleNamespace(id=None, display_name="", phone="")  # a CLI import's actor


def digest(key: str) -> bytes:
    """Return the 16-byte digest a row's key is kept as."""
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


async def _known(session: AsyncSession, kind: str, digests: list[bytes]) -> set[bytes]:
    found = await session.scalars(
        select(ImportedRow.key_digest).where(
            ImportedRow.kind == kind, ImportedRow.key_digest.in_(digests)
        )
    )
    return set(found)


async def _write_batch(session, kind: str, rows: Sequence[Checked], create) -> Written:
    """Leave out rows imported before, create the rest with `create(values)`, keep their keys."""
    written = Written()
    digests = [digest(r.key) for r in rows]
    known = await _known(session, kind, digests)
    fresh = [(r, d) for r, d in zip(rows, digests, strict=True) if d not in known]
    written.unchanged = len(rows) - len(fresh)
    if not fresh:
        return written
    report = await create([r.value for r, _ in fresh])
    refused = {problem.row for problem in report.problems}
    for problem in report.problems:
        written.refused.append((fresh[problem.row][0].row, problem.errors))
    good = [d for index, (_, d) in enumerate(fresh) if index not in refused]
    now = utcnow()
    if good:  # one multi-row INSERT, no ORM objects to track
        await session.execute(
            insert(ImportedRow.__table__),
            [
                {"kind": kind, "key_digest": d, "target_id": target, "imported_at": now}
                for d, target in zip(good, report.created_ids, strict=True)
            ],
        )
    written.created = len(good)
    return written


@register
class Requests(Kind):
    """Help requests from a hotline sheet: need, triage colour, people, pin, caller."""

    name = "requests"
    title = "Help requests"
    columns = (
        Column("external_id", "เลขที่รับแจ้ง", "external id", ("รหัส", "ticket", "id", "เลขที่")),
        Column("reported_at", "วันที่รับแจ้ง", "reported at", ("วันที่", "เวลารับแจ้ง", "date"),
               example="01/08/2564 08:00"),
        Column("contact_name", "ชื่อผู้แจ้ง", "contact name", ("ชื่อ", "ชื่อผู้ป่วย", "name"),
               example="สมชาย ใจดี"),
        Column("contact_phone", "เบอร์ติดต่อ", "contact phone", ("เบอร์โทร", "โทรศัพท์", "phone"),
               example="089-542-6262"),
        Column("category", "ความต้องการ", "need", ("ประเภท", "category", "ต้องการ"),
               example="ออกซิเจน", required=True),
        Column("people_count", "จำนวนคน", "people", ("จำนวน", "people count"), example=1),
        Column("lat", "ละติจูด", "latitude", ("lat",), example=18.7883),
        Column("lon", "ลองจิจูด", "longitude", ("long", "lng", "lon"), example=98.9853),
        Column("coordinates", "พิกัด", "coordinates", ("ตำแหน่ง", "location", "google maps")),
        Column("urgency", "ระดับอาการ", "triage colour", ("สี", "อาการ", "urgency", "triage"),
               example="เหลือง"),
        Column("address_text", "ที่อยู่", "address", ()),
        Column("description", "รายละเอียด", "details", ("description", "หมายเหตุ")),
    )  # fmt: skip
    needs = (("category",), ("lat", "coordinates"))
    paths: ClassVar[Mapping[str, str]] = {"incident": "category"}

    async def prepare(self, session: AsyncSession) -> None:
        """Load the categories of the newest active incident."""
        incident = await requests_service.incident_of(session, code=None)
        self.categories = {c.code: c for c in incident.categories}
        self.names = {}
        for category in incident.categories:
            for name in (category.code, category.name_th, category.name_en):
                self.names[loose(name)] = category.code

    def _category(self, text: str) -> str:
        key = loose(text)
        if key in self.names:
            return self.names[key]
        found = {c for n, c in self.names.items() if len(n) > 1 and (n in key or key in n)}
        if len(found) != 1:
            expected = ", ".join(c.name_th for c in self.categories.values())
            error = Invalid(
                "imports.unknown_category",
                UNKNOWN_CATEGORY,
                {"value": text[:40], "expected": expected},
            )
            raise RowError.on("category", error)
        return found.pop()

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Check a row as the SOS form's API checks it; a blank triage colour is yellow."""
        found = pin(cells)
        if found is None:
            raise RowError([warning("lat", "{field} is required.", field="lat")])
        lat, lon, notes = found
        await self.check_scope(session, "lat", lat, lon)
        category = self._category(cell_text(cells, "category"))
        written = cell_text(cells, "urgency")
        urgency = URGENCY_WORDS.get(written.replace(" ", ""), written.lower())
        if not written:
            urgency = "yellow" if self.categories[category].medical else "normal"
            if self.categories[category].medical:
                notes.append(warning("urgency", NO_TRIAGE))
        elif urgency not in set(Urgency):
            error = Invalid("imports.unknown_urgency", UNKNOWN_URGENCY, {"value": written[:40]})
            raise RowError.on("urgency", error)
        elif urgency in TRIAGE and not self.categories[category].medical:
            urgency = "normal" if urgency == "green" else "urgent"
            notes.append(warning("urgency", COLOUR_NOT_MEDICAL, value=written, urgency=urgency))
        reported = read(cells, "reported_at", values.when)
        description = cell_text(cells, "description")
        if reported is not None:
            description = f"รับแจ้ง {format_thai_date(reported)} {description}".strip()
        phone = cell_text(cells, "contact_phone")
        row = {
            "category": category,
            "urgency": urgency,
            "lat": lat,
            "lon": lon,
            "people_count": read(cells, "people_count", values.whole_number, default=1),
            "description": description,
            "address_text": cell_text(cells, "address_text"),
            "contact_name": cell_text(cells, "contact_name"),
            "contact_phone": phone or None,
            # Staff record these under their public-health duties (PDPA s.26 exception).
            "consent": True,
        }
        try:  # the schema's refusals now, named by the file's columns (the writer checks again)
            HelpRequestCreate.model_validate(row)
        except ValidationError as error:
            raise RowError.of(error, paths=self.paths) from None
        key = cell_text(cells, "external_id") or "|".join(
            map(str, (reported and reported.isoformat(), phone, category, lat, lon))
        )
        return Checked(0, row, key, notes)

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Create the requests not imported before, as the importer's."""

        async def create(batch):
            return await requests_bulk.create_batch(
                session, rows=batch, first_row=0, requester=actor or NOBODY, refresh_seconds=60
            )

        return await _write_batch(session, self.name, rows, create)


@register
class Volunteers(Kind):
    """A roster of volunteers: name, phone, kind, home area (or pin), vehicle."""

    name = "volunteers"
    title = "Volunteers"
    columns = (
        Column("display_name", "ชื่อ-สกุล", "name", ("ชื่อ", "ชื่อสกุล", "ชื่อ นามสกุล", "full name"),
               example="สมศรี สุริยะ", required=True),
        Column("phone", "เบอร์โทร", "phone", ("โทรศัพท์", "เบอร์โทรศัพท์", "มือถือ", "tel"),
               example="089-878-2429", required=True),
        Column("kind", "ประเภท", "kind", ("ประเภทอาสาสมัคร", "type"), example="อสม."),
        Column("village", "หมู่ที่", "village number", ("หมู่", "village"), example=7),
        Column("subdistrict", "ตำบล", "subdistrict", ("แขวง", "tambon"), example="สันทรายหลวง"),
        Column("district", "อำเภอ", "district", ("เขต", "amphoe"), example="สันทราย"),
        Column("lat", "ละติจูด", "latitude", ("lat",)),
        Column("lon", "ลองจิจูด", "longitude", ("long", "lng", "lon")),
        Column("coordinates", "พิกัด", "coordinates", ("ตำแหน่ง", "location")),
        Column("vehicle", "มีรถ", "vehicle", ("ยานพาหนะ", "รถ"), example="มี"),
    )  # fmt: skip
    needs = (("display_name",), ("phone",), ("subdistrict", "district", "lat", "coordinates"))
    paths: ClassVar[Mapping[str, str]] = {
        "home_lat": "lat",
        "home_lon": "lon",
        "area_code": "subdistrict",
    }
    key_field = "phone"

    async def prepare(self, session: AsyncSession) -> None:
        """Load the area names."""
        self.areas = await AreaNames.load(session)
        self.points: dict[str, tuple[float, float] | None] = {}

    async def _area(self, session, cells) -> str | None:
        district = cell_text(cells, "district")
        subdistrict = cell_text(cells, "subdistrict")
        code = None
        try:
            if district:
                code = self.areas.find(district, level="district")
            if subdistrict:
                code = self.areas.find(subdistrict, level="subdistrict", within=code)
        except Invalid as error:
            raise RowError.on("subdistrict" if subdistrict else "district", error) from None
        return code

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Check a row as the volunteer form checks a profile, plus the phone."""
        area_code = await self._area(session, cells)
        found = pin(cells)
        notes = []
        if found is not None:
            lat, lon, notes = found
        elif area_code is not None:
            if area_code not in self.points:
                self.points[area_code] = await areas_service.inside_point(session, code=area_code)
            if self.points[area_code] is None:
                raise RowError([warning("lat", NO_HOME, field="lat")])
            lat, lon = self.points[area_code]
        else:
            raise RowError([warning("subdistrict", NO_HOME, field="subdistrict")])
        await self.check_scope(session, "subdistrict", lat, lon, area_code)
        phone = cell_text(cells, "phone")
        try:
            key = normalize_phone(phone)
        except Invalid as error:
            raise RowError.on("phone", error) from None
        row = {
            "display_name": cell_text(cells, "display_name") or None,
            "phone": phone,
            "kind": self._kind(cell_text(cells, "kind")),
            "vehicle": self._vehicle(cells),
            "home_lat": lat,
            "home_lon": lon,
            "area_code": area_code,
        }
        try:  # the schema's refusals now, named by the file's columns (the writer checks again)
            VolunteerImport.model_validate(row)
        except ValidationError as error:
            raise RowError.of(error, paths=self.paths) from None
        read(cells, "village", values.whole_number)  # checked; villages have no codes yet
        return Checked(0, row, key, notes)

    def _kind(self, text: str) -> str:
        if not text:
            return "general"
        key = loose(text)
        for word, code in VOLUNTEER_WORDS.items():
            if key.startswith(loose(word)):
                return code
        return text.lower()  # a code such as vhv; the schema refuses anything else

    def _vehicle(self, cells) -> str:
        text = cell_text(cells, "vehicle")
        if text in VEHICLE_WORDS or text.lower() in VEHICLE_WORDS.values():
            return VEHICLE_WORDS.get(text, text.lower())
        return "car" if read(cells, "vehicle", values.yes_no, default=False) else "none"

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Create the volunteers not imported before (people found or made by phone)."""

        async def create(batch):
            return await volunteers_bulk.create_batch(
                session, rows=batch, first_row=0, importer=actor or NOBODY, refresh_seconds=60
            )

        return await _write_batch(session, self.name, rows, create)
