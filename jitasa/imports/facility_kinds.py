"""Import kinds of the facilities domain: facilities (with beds), and facility capacity alone.

`facilities` creates a facility or updates the one with the same external id (a hospital code,
source "import"; a row without one is matched by type and Thai name), through the facilities
service, so the map counts, history and events follow as they do for a form. `facility_capacity`
only sets the beds of facilities that already exist, named by external id. Either way a row whose
values are already stored changes nothing and writes no history.
"""

from collections.abc import Mapping, Sequence
from typing import ClassVar

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.errors import DomainError, Invalid
from jitasa.core.thai import format_phone, normalize_phone
from jitasa.core.words import Urgency
from jitasa.facilities import capacity_rules
from jitasa.facilities import service as facilities
from jitasa.facilities.schemas import CapacityIn, FacilityCreate, FacilityEdit
from jitasa.facilities.words import BED_RESOURCES
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

SOURCE = "import"
UNKNOWN_TYPE = "“{value}” is not a kind of facility; use one of: {expected}."
NO_TYPE = "{field} is missing and the name does not tell the kind of facility."
NO_PIN = "{field} is missing: give latitude and longitude, or one position column."
NO_FACILITY = "There is no imported facility with the code “{value}”; import the facility first."
NEEDS_TOTAL = "{field} is missing: give the total beds with the free ones."
STATUS_WORDS = {
    "เปิด": "open",
    "เปิดบริการ": "open",
    "เต็ม": "full",
    "ปิด": "closed",
    "ปิดบริการ": "closed",
    "อพยพ": "evacuating",
}
COLOUR_TH = {Urgency.RED: "แดง", Urgency.YELLOW: "เหลือง", Urgency.GREEN: "เขียว"}


def _bed_columns() -> tuple[Column, ...]:
    columns = []
    for colour in BED_RESOURCES:
        th, en = COLOUR_TH[Urgency(colour)], colour
        columns += [
            Column(
                f"beds_{colour}_total",
                f"เตียง{th}ทั้งหมด",
                f"{en} beds total",
                (f"เตียงสี{th}ทั้งหมด", f"เตียง{th}", f"{en} beds", f"beds {en}"),
                example=10,
            ),
            Column(
                f"beds_{colour}_available",
                f"เตียง{th}ว่าง",
                f"{en} beds free",
                (f"เตียงสี{th}ว่าง", f"{en} beds available", f"free {en} beds"),
                example=3,
            ),
        ]
    return tuple(columns)


EXTERNAL_ID = Column(
    "external_id",
    "รหัสหน่วยบริการ",
    "external id",
    ("รหัส", "รหัสสถานพยาบาล", "รหัสโรงพยาบาล", "hcode", "code", "id", "รหัสหน่วย"),
    example="10713",
)
BEDS = _bed_columns()
AS_OF = Column(
    "as_of",
    "ข้อมูล ณ วันที่",
    "as of",
    ("ณ วันที่", "วันที่", "วันที่ข้อมูล", "updated", "date", "updated at"),
    example="10/11/2564",
)


def _capacity(cells: Mapping[str, object]) -> dict[str, CapacityIn]:
    """Read the bed columns of a row: {beds_red: CapacityIn} for each colour given."""
    capacity = {}
    for colour, resource in BED_RESOURCES.items():
        total = read(cells, f"beds_{colour}_total", values.whole_number)
        available = read(cells, f"beds_{colour}_available", values.whole_number)
        if total is None and available is None:
            continue
        if total is None:
            name = f"beds_{colour}_total"
            raise RowError([warning(name, NEEDS_TOTAL, field=name)])
        paths = {
            "total": f"beds_{colour}_total",
            "available": f"beds_{colour}_available",
            f"{resource}.available": f"beds_{colour}_available",
        }
        try:
            capacity[resource] = CapacityIn(
                total=total, available=total if available is None else available
            )
            capacity_rules.check_resources({resource: capacity[resource]})
        except (ValidationError, DomainError) as error:
            raise RowError.of(error, whole=f"beds_{colour}_available", paths=paths) from None
    return capacity


@register
class Facilities(Kind):
    """Facilities with their pins, details and beds by triage colour."""

    name = "facilities"
    title = "Facilities"
    columns = (
        EXTERNAL_ID,
        Column(
            "name_th",
            "ชื่อ",
            "name",
            (
                "ชื่อหน่วยบริการ",
                "ชื่อสถานพยาบาล",
                "ชื่อโรงพยาบาล",
                "ชื่อสถานที่",
                "สถานที่",
                "จุดฉีดวัคซีน",
                "หน่วยบริการ",
                "name th",
                "ชื่อภาษาไทย",
            ),
            example="โรงพยาบาลนครพิงค์",
            required=True,
        ),
        Column("name_en", "ชื่อภาษาอังกฤษ", "name en", ("english name",), example="Nakornping"),
        Column("type", "ประเภท", "type", ("ชนิด", "folder", "โฟลเดอร์", "kind"), example="โรงพยาบาล"),
        Column("lat", "ละติจูด", "latitude", ("lat", "y"), example=18.8483),
        Column("lon", "ลองจิจูด", "longitude", ("long", "lng", "lon", "x"), example=98.9655),
        Column(
            "coordinates",
            "พิกัด",
            "coordinates",
            ("ตำแหน่ง", "location", "position", "google maps", "ลิงก์แผนที่", "แผนที่", "latlon"),
        ),
        Column(
            "district", "อำเภอ", "district", ("เขต", "อ", "amphoe", "area", "พื้นที่"), example="แม่ริม"
        ),
        Column("address", "ที่อยู่", "address", (), example=""),
        Column(
            "phone",
            "โทรศัพท์",
            "phone",
            ("โทร", "เบอร์โทร", "เบอร์โทรศัพท์", "tel", "telephone"),
            example="053-999-200",
        ),
        Column("status", "สถานะ", "status", (), example="เปิด"),
        *BEDS,
        AS_OF,
    )
    needs = (("name_th",), ("lat", "coordinates"))
    paths: ClassVar[Mapping[str, str]] = {"area_code": "district"}

    async def prepare(self, session: AsyncSession) -> None:
        """Load the facility types and the area names."""
        self.areas = await AreaNames.load(session)
        self.types: dict[str, str] = {}
        self.prefixes: list[tuple[str, str]] = []
        self.type_names: list[tuple[str, str]] = []  # (Thai, English) as a refusal lists them
        for facility_type in await facilities.types(session):
            self.type_names.append((facility_type.name_th, facility_type.name_en))
            for name in (facility_type.code, facility_type.name_th, facility_type.name_en):
                self.types[loose(name)] = facility_type.code
            self.prefixes.append((loose(facility_type.name_th), facility_type.code))
        self.prefixes += [("รพสนาม", "field_hospital"), ("รพ", "hospital")]
        self.prefixes.sort(key=lambda item: -len(item[0]))

    def _type(self, cells: Mapping[str, object], name: str) -> str:
        written = cell_text(cells, "type")
        if written:
            found = self.types.get(loose(written))
            if found is None:
                raise RowError.on(
                    "type",
                    Invalid(
                        "imports.unknown_type",
                        UNKNOWN_TYPE,
                        {
                            "value": written[:40],
                            "expected": ", ".join(e for _, e in self.type_names),
                        },
                        params_th={"expected": ", ".join(t for t, _ in self.type_names)},
                    ),
                )
            return found
        key = loose(name)
        for prefix, code in self.prefixes:
            if key.startswith(prefix):
                return code
        raise RowError([warning("type", NO_TYPE, field="type")])

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Check a row as the API checks a new facility, and its beds as a capacity update."""
        name = cell_text(cells, "name_th")
        found = pin(cells)
        if found is None:
            raise RowError([warning("lat", NO_PIN, field="lat")])
        lat, lon, notes = found
        await self.check_scope(session, "lat", lat, lon)
        district = cell_text(cells, "district")
        area_code = None
        if district:
            located, _ = await areas_service.locate_codes(session, lat=lat, lon=lon)
            try:
                area_code = self.areas.find(
                    district, level="district", within=located.get("province")
                )
            except Invalid as error:
                notes.append(warning("district", error.message, **error.params))
        phone = cell_text(cells, "phone")
        if phone:
            try:
                phone = format_phone(normalize_phone(phone))
            except Invalid as error:
                raise RowError.on("phone", error) from None
        status = cell_text(cells, "status")
        external_id = cell_text(cells, "external_id") or None
        try:
            facility_in = FacilityCreate.model_validate(
                {
                    "type": self._type(cells, name),
                    "name_th": name,
                    "name_en": cell_text(cells, "name_en"),
                    "status": STATUS_WORDS.get(status, status.lower()) or "open",
                    "lat": lat,
                    "lon": lon,
                    "area_code": area_code,
                    "address": cell_text(cells, "address"),
                    "phone": phone,
                    "source": SOURCE,
                    "external_id": external_id,
                }
            )
        except ValidationError as error:
            raise RowError.of(error, paths=self.paths) from None
        value = (facility_in, _capacity(cells), read(cells, "as_of", values.when))
        key = external_id or f"{facility_in.type}\x00{facility_in.name_th}"
        return Checked(0, value, key, notes)

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Create new facilities and update known ones (details, then beds), row by row."""
        written = Written()
        by_id, by_name = await facilities.for_import(
            session,
            source=SOURCE,
            external_ids=[r.value[0].external_id for r in rows if r.value[0].external_id],
            names=[
                (r.value[0].type, r.value[0].name_th) for r in rows if not r.value[0].external_id
            ],
        )
        actor_id = getattr(actor, "id", None)
        for row in rows:
            facility_in, capacity, as_of = row.value
            known = (
                by_id.get(facility_in.external_id)
                if facility_in.external_id
                else by_name.get((facility_in.type, facility_in.name_th))
            )
            # The service checks everything before it changes anything: no savepoint needed.
            try:
                if known is None:
                    await facilities.create(
                        session,
                        facility_in=facility_in,
                        capacity=capacity,
                        actor_id=actor_id,
                        via="import",
                        refresh_seconds=60.0,
                        now=as_of,
                    )
                    written.created += 1
                elif await _update(session, known, facility_in, capacity, actor_id, as_of):
                    written.updated += 1
                else:
                    written.unchanged += 1
            except DomainError as error:
                written.refused.append((row.row, RowError.of(error, paths=self.paths).errors))
        return written


async def _update(session, known, facility_in, capacity, actor_id, as_of) -> bool:
    """Bring a known facility up to a row; return whether anything changed."""
    changes = FacilityEdit.model_validate(
        facility_in.model_dump(
            include={"name_th", "name_en", "status", "address", "phone"}, exclude_defaults=True
        )
    )
    before = (known.updated_at, known.capacity_version)
    details = {k: getattr(known, k) for k in ("name_th", "name_en", "status", "address", "phone")}
    await facilities.edit(
        session, facility_id=known.id, changes=changes, actor_id=actor_id, via="import", now=as_of
    )
    changed = details != {k: getattr(known, k) for k in details}
    amounts = facilities.amounts_of(known)
    wanted = {r: {"total": c.total, "available": c.available} for r, c in capacity.items()}
    if any(amounts.get(r) != a for r, a in wanted.items()):
        await facilities.set_capacity(
            session,
            facility_id=known.id,
            update=capacity,
            actor_id=actor_id,
            via="import",
            now=as_of,
        )
        changed = True
    return changed or before != (known.updated_at, known.capacity_version)


@register
class FacilityCapacity(Kind):
    """Beds by triage colour of facilities imported before, named by their external id."""

    name = "facility_capacity"
    title = "Facility capacity"
    columns = (EXTERNAL_ID, *BEDS, AS_OF)
    needs = (("external_id",), ("beds_green_total", "beds_yellow_total", "beds_red_total"))

    async def check(self, session: AsyncSession, cells: Mapping[str, object]) -> Checked:
        """Check the external id and the bed numbers."""
        external_id = cell_text(cells, "external_id")
        if not external_id:
            raise RowError([warning("external_id", "{field} is required.", field="external_id")])
        capacity = _capacity(cells)
        return Checked(0, (external_id, capacity, read(cells, "as_of", values.when)), external_id)

    async def write(self, session: AsyncSession, rows: Sequence[Checked], actor) -> Written:
        """Set the beds of each named facility; a facility not imported before is refused."""
        written = Written()
        by_id, _ = await facilities.for_import(
            session, source=SOURCE, external_ids=[r.value[0] for r in rows], names=[]
        )
        for row in rows:
            external_id, capacity, as_of = row.value
            known = by_id.get(external_id)
            if known is None:
                error = Invalid("imports.no_facility", NO_FACILITY, {"value": external_id[:64]})
                written.refused.append((row.row, RowError.on("external_id", error).errors))
                continue
            if self.scope and not (known.area_code or "").startswith(self.scope):
                refusal = warning("external_id", OUT_OF_AREA, scope=self.scope)
                written.refused.append((row.row, [refusal]))
                continue
            amounts = facilities.amounts_of(known)
            if all(amounts.get(r) == c.model_dump() for r, c in capacity.items()):
                written.unchanged += 1
                continue
            await facilities.set_capacity(
                session,
                facility_id=known.id,
                update=capacity,
                actor_id=getattr(actor, "id", None),
                via="import",
                now=as_of,
            )
            written.updated += 1
        return written
