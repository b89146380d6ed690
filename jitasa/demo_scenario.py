"""A realistic Chiang Mai scenario for `jitasa demo`: staff, volunteers and requests for help."""

import csv
import json
import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import shapely
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.areas.models import Area
from jitasa.core.db import utcnow
from jitasa.core.geo import distance_km
from jitasa.core.words import TRIAGE_COLOURS, Role, Urgency
from jitasa.demo_coverage import seed_coverage
from jitasa.facilities import service as facilities_service
from jitasa.facilities.schemas import CapacityIn, FacilityCreate
from jitasa.help_requests import assigning, lifecycle, transport
from jitasa.help_requests import service as help_requests_service
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestCreate
from jitasa.help_requests.states import Status
from jitasa.notifications import service as notifications_service
from jitasa.notifications.schemas import PreferencesIn
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers import verification as volunteer_verification
from jitasa.volunteers.schemas import VolunteerSave

DEMO_PASSWORD = "jitasa-demo-2564"
OVERDUE_MINUTES = 45


@dataclass(frozen=True)
class StaffAccount:
    """A demo staff member who signs in with a password."""

    phone: str
    name: str
    role: Role
    area_code: str | None


STAFF = [
    StaffAccount("+66800000001", "ผู้ดูแลระบบ (admin)", Role.ADMIN, None),
    StaffAccount("+66800000002", "สำนักงานจังหวัดเชียงใหม่", Role.COORDINATOR, "50"),
    StaffAccount("+66800000003", "ที่ว่าการอำเภอเมืองเชียงใหม่", Role.COORDINATOR, "5001"),
    StaffAccount("+66800000004", "ที่ว่าการอำเภอสันทราย", Role.COORDINATOR, "5014"),
]
# (name, kind, vehicle, district, verified)
VOLUNTEERS = [
    ("อินทร อินต๊ะ", "vhv", "motorcycle", "5014", True),
    ("สมศรี สุริยะ", "vhv", "none", "5014", False),
    ("ทองคำ ธรรมวงศ์", "village_headman", "pickup", "5014", True),
    ("ศรีนวล ศรีวิชัย", "vhv", "motorcycle", "5001", True),
    ("บุญชู ใจดี", "kamnan", "car", "5001", True),
    ("มาลัย คำมา", "student", "none", "5001", False),
    ("ประเสริฐ แก้วมา", "local_official", "van", "5015", True),
    ("จันทร์เพ็ญ วงศ์ใหญ่", "community_leader", "car", "5019", True),
    ("สุดา ปัญญาดี", "womens_fund", "motorcycle", "5013", False),
    ("วิชัย ศรีบุญเรือง", "local_volunteer", "ambulance", "5007", True),
]
# (category, urgency, district, people, description, status)
REQUESTS = [
    ("oxygen", "red", "5001", 1, "ผู้ป่วยหายใจเหนื่อย ต้องการถังออกซิเจนด่วน", Status.OPEN),
    ("food_supplies", "urgent", "5001", 5, "ครอบครัวกักตัว ขาดข้าวสารและน้ำดื่ม", Status.OPEN),
    ("medicine", "yellow", "5014", 1, "ผู้สูงอายุโรคเบาหวาน ยาหมด", Status.CLAIMED),
    ("patient_transport", "yellow", "5014", 1, "ต้องการรถไปโรงพยาบาลสันทราย", Status.OPEN),
    ("covid_test", "green", "5001", 4, "ต้องการชุดตรวจ ATK สำหรับครอบครัว", Status.IN_PROGRESS),
    ("bed_admission", "red", "5015", 1, "ผลตรวจเป็นบวก มีไข้สูง หาเตียง", Status.OPEN),
    ("food_supplies", "normal", "5019", 3, "ขอข้าวกล่องสำหรับผู้กักตัว", Status.RESOLVED),
    ("vaccination_help", "normal", "5013", 2, "ผู้สูงอายุต้องการลงทะเบียนฉีดวัคซีน", Status.OPEN),
    ("medical_help", "green", "5007", 1, "ต้องการปรึกษาแพทย์ทางโทรศัพท์", Status.CLAIMED),
    ("other", "normal", "5001", 1, "ต้องการความช่วยเหลือเรื่องเอกสาร", Status.CANCELLED),
    ("oxygen", "yellow", "5014", 1, "ต้องการเติมออกซิเจน", Status.OPEN),
    ("food_supplies", "urgent", "5015", 6, "ชุมชนถูกกักตัวทั้งซอย", Status.OPEN),
]


# Chiang Mai's hospitals and field hospitals with beds by colour (the shared sample sheet, Thai
# headers), English names where the sample GeoJSON has them; then waiting centres and
# vaccination points (from the sample vaccination sheet) with their capacity.
FACILITY_DATA = Path(__file__).parent / "facilities" / "data"
FACILITY_TYPES = {"โรงพยาบาล": "hospital", "โรงพยาบาลสนาม": "field_hospital"}
WAITING_CENTRES = [
    ("ศูนย์พักคอยวัดพระสิงห์", "Wat Phra Singh community isolation", 18.7884, 98.9818, 40),
    ("ศูนย์พักคอยเทศบาลตำบลสุเทพ", "Suthep community isolation", 18.7960, 98.9510, 30),
    ("ศูนย์พักคอยเทศบาลเมืองแม่โจ้", "Mae Jo community isolation", 18.8990, 99.0060, 25),
]
VACCINATION_POINTS = [
    ("จุดฉีดวัคซีนรพ.มหาราชนครเชียงใหม่", 18.7910, 98.9720, "sinovac", 300),
    ("จุดฉีดวัคซีนรพ.นครพิงค์", 18.8503, 98.9635, "astrazeneca", 500),
    ("จุดฉีดวัคซีนรพ.สันทราย", 18.8463, 99.0399, "pfizer", 500),
    ("จุดฉีดวัคซีนรพ.หางดง", 18.6887, 98.9160, "moderna", 1000),
]


async def _add_facility(
    session: AsyncSession, rng: random.Random, body: dict, capacity: dict[str, tuple[int, int]]
) -> None:
    """Add one demo facility, its numbers last vouched for between 10 minutes and 30 hours ago."""
    full = bool(capacity) and not any(a for _t, a in capacity.values())
    await facilities_service.create(
        session,
        facility_in=FacilityCreate(**body, status="full" if full else "open"),
        capacity={r: CapacityIn(total=t, available=a) for r, (t, a) in capacity.items()},
        actor_id=None,
        via="demo",
        refresh_seconds=0,
        now=utcnow() - timedelta(minutes=rng.randint(10, 30 * 60)),
    )


async def seed_facilities(session: AsyncSession, rng: random.Random) -> int:
    """Add Chiang Mai's hospitals, field hospitals, waiting centres and vaccination points."""
    features = json.loads((FACILITY_DATA / "facilities.geojson").read_text(encoding="utf-8"))
    english = {
        f["properties"]["external_id"]: f["properties"]["name_en"] for f in features["features"]
    }
    rows = list(csv.reader((FACILITY_DATA / "facilities_chiangmai.csv").open(encoding="utf-8-sig")))
    for code, name, kind, lat, lon, district, phone, *beds, _date in rows[1:]:
        numbers = [int(n) for n in beds]
        capacity = {
            f"beds_{colour}": (numbers[2 * i], numbers[2 * i + 1])
            for i, colour in enumerate(reversed(TRIAGE_COLOURS))
        }
        body = {
            "type": FACILITY_TYPES[kind],
            "name_th": name,
            "name_en": english.get(code, ""),
            "lat": float(lat),
            "lon": float(lon),
            "phone": phone,
            "address": f"อำเภอ{district}",
            "opening_hours": "24 ชั่วโมง",
            "source": "moph-cm",
            "external_id": code,
        }
        await _add_facility(session, rng, body, capacity)
    for name_th, name_en, lat, lon, beds in WAITING_CENTRES:
        body = {
            "type": "community_isolation",
            "name_th": name_th,
            "name_en": name_en,
            "lat": lat,
            "lon": lon,
            "phone": "053-112-233",
        }
        await _add_facility(session, rng, body, {"beds_green": (beds, rng.randint(0, beds))})
    for name_th, lat, lon, brand, doses in VACCINATION_POINTS:
        body = {
            "type": "vaccination_point",
            "name_th": name_th,
            "lat": lat,
            "lon": lon,
            "opening_hours": "08:30–16:30",
        }
        capacity = {f"vaccine_{brand}": (doses, rng.randint(0, doses))}
        await _add_facility(session, rng, body, capacity)
    return len(rows) - 1 + len(WAITING_CENTRES) + len(VACCINATION_POINTS)


async def is_seeded(session: AsyncSession) -> bool:
    """Tell whether the demo people are already there."""
    return bool(await session.scalar(select(func.count()).select_from(User)))


async def _point_in(
    session: AsyncSession, district: str, rng: random.Random
) -> tuple[float, float]:
    """Return a random (lat, lon) inside a district's boundary, near its middle."""
    wkb = await session.scalar(select(Area.boundary).where(Area.code == district))
    polygon = shapely.from_wkb(wkb)
    centre = polygon.representative_point()
    for _ in range(200):
        candidate = Point(centre.x + rng.uniform(-0.03, 0.03), centre.y + rng.uniform(-0.03, 0.03))
        if polygon.contains(candidate):
            return candidate.y, candidate.x
    return centre.y, centre.x


async def seed(session: AsyncSession, *, seed_value: int = 2021) -> dict[str, int]:
    """Create the demo's staff, volunteers and requests (callers commit)."""
    rng = random.Random(seed_value)
    for staff in STAFF:
        await accounts_service.save_user(
            session,
            phone=staff.phone,
            roles={staff.role},
            area_code=staff.area_code,
            display_name=staff.name,
            password=DEMO_PASSWORD,
        )
    coordinator = await accounts_service.get_by_phone(session, phone=STAFF[1].phone)
    helpers: list[tuple[User, float, float, int]] = []  # verified: home pins, profile id
    drivers: list[tuple[User, float, float, int]] = []  # verified, with a car or bigger, in 5001
    for number, (name, kind, vehicle, district, verified) in enumerate(VOLUNTEERS, start=1):
        user = await accounts_service.save_user(
            session, phone=f"+6681100{number:04d}", roles={Role.VOLUNTEER}, display_name=name
        )
        lat, lon = await _point_in(session, district, rng)
        volunteer, _ = await volunteers_service.save_profile(
            session,
            user=user,
            refresh_seconds=0,
            volunteer_in=VolunteerSave(
                kind=kind,
                vehicle=vehicle,
                home_lat=lat,
                home_lon=lon,
                ppe_trained=verified,
                service_radius_km=10,
                skills=["ขับรถ"] if vehicle != "none" else [],
            ),
        )
        if verified:
            await volunteer_verification.verify(
                session, volunteer=volunteer, coordinator=coordinator, client_ip="demo"
            )
            helpers.append((user, lat, lon, volunteer.id))
            if district == "5001" and vehicle not in ("none", "motorcycle"):
                drivers.append(helpers[-1])
        if district == "5001" and verified:
            # Opted in: alerted (console) of red and yellow requests within 10 km of home.
            await notifications_service.save_preferences(
                session,
                user_id=user.id,
                preferences_in=PreferencesIn(
                    nearby_urgencies=[Urgency.RED, Urgency.YELLOW], radius_km=10
                ),
            )
    requesters = 0
    for number, (category, urgency, district, people, text, status) in enumerate(REQUESTS, 1):
        requester = await accounts_service.save_user(
            session,
            phone=f"+6689200{number:04d}",
            roles={Role.REQUESTER},
            display_name=f"ผู้ขอความช่วยเหลือ {number}",
        )
        lat, lon = await _point_in(session, district, rng)
        help_request = await help_requests_service.create(
            session,
            requester=requester,
            refresh_seconds=0,
            request_in=HelpRequestCreate(
                category=category,
                urgency=urgency,
                lat=lat,
                lon=lon,
                people_count=people,
                description=text,
                consent=True,
                address_text=f"หมู่ {rng.randint(1, 12)}",
                mobility="wheelchair" if category == "patient_transport" else None,
            ),
        )
        # Claims keep within a helper's reach: the nearest verified one takes it.
        helper = min(helpers, key=lambda h: distance_km(h[1], h[2], lat, lon))
        if status == Status.CLAIMED:  # taken on the province desk: assigned by name
            await assigning.assign(
                session, help_request=help_request, staff=coordinator, volunteer_id=helper[3]
            )
        else:
            await _bring_to(session, help_request, status, requester, helper[0])
        minutes = rng.randint(5, 600)
        if number == 1:
            # Open past its 15-minute limit: the first sweep alerts the coordinators of 5001
            # and of the province, through the console channel in the demo.
            minutes = max(minutes, OVERDUE_MINUTES)
        await _age(session, help_request, minutes=minutes)
        requesters += 1
    facilities = await seed_facilities(session, rng)
    await session.flush()
    await seed_transport(session, drivers[0])
    return {
        "staff": len(STAFF),
        "volunteers": len(VOLUNTEERS),
        "requests": requesters,
        "facilities": facilities,
        "transports": 1,
        "coverage_rows": await seed_coverage(session),
    }


async def seed_transport(session: AsyncSession, driver: tuple[User, float, float, int]) -> None:
    """A yellow patient in a wheelchair, taken by a driver near home, a bed held for them at the
    nearest facility with a free yellow bed (the driver's screen shows where and the stages)."""
    user, home_lat, home_lon, _profile_id = driver
    requester = await accounts_service.save_user(
        session, phone="+66892009901", roles={Role.REQUESTER}, display_name="ญาติผู้ป่วย"
    )
    help_request = await help_requests_service.create(
        session,
        requester=requester,
        refresh_seconds=0,
        request_in=HelpRequestCreate(
            category="patient_transport",
            urgency="yellow",
            mobility="wheelchair",
            lat=home_lat + 0.01,
            lon=home_lon + 0.01,
            description="ผู้ป่วยสีเหลือง อายุ 72 ปี นั่งรถเข็น ต้องการรถไปโรงพยาบาลที่มีเตียง",
            consent=True,
            address_text="ซอยวัดเจ็ดยอด",
        ),
    )
    await lifecycle.claim(session, help_request=help_request, user=user)
    ranked = await transport.destinations(session, help_request=help_request, user=user, limit=1)
    if ranked and ranked[0].free:
        await transport.choose(
            session, help_request=help_request, user=user, facility_id=ranked[0].facility.id
        )


async def _bring_to(
    session: AsyncSession, help_request: HelpRequest, status: Status, requester: User, helper: User
) -> None:
    """Move a demo request to the status the scenario wants, through the real state machine."""
    if status in (Status.IN_PROGRESS, Status.RESOLVED):
        await lifecycle.claim(session, help_request=help_request, user=helper)
    if status in (Status.IN_PROGRESS, Status.RESOLVED):
        await lifecycle.transition(
            session,
            help_request=help_request,
            user=helper,
            to=Status.IN_PROGRESS,
            note="กำลังเดินทาง",
        )
    if status == Status.RESOLVED:
        await lifecycle.transition(
            session, help_request=help_request, user=helper, to=Status.RESOLVED, note="ส่งของเรียบร้อย"
        )
    if status == Status.CANCELLED:
        await lifecycle.transition(
            session,
            help_request=help_request,
            user=requester,
            to=Status.CANCELLED,
            note="ได้รับความช่วยเหลือจากญาติแล้ว",
        )


async def _age(session: AsyncSession, help_request: HelpRequest, *, minutes: int) -> None:
    """Move a demo request back in time so the map shows requests of different ages."""
    shift = timedelta(minutes=minutes)
    created = utcnow() - shift
    # Through the ORM, so the kept timings (`help_requests/timings.py`) move with it.
    help_request.created_at, help_request.updated_at = created, created
    events = (
        await session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == help_request.id)
            .order_by(RequestEvent.id)
        )
    ).all()
    for step, event in enumerate(events):
        event.at = created + shift * step / (len(events) + 1)
    # The request's own times agree with its timeline: the dashboard measures the wait to be
    # taken from the timeline's first take, and the wait to be resolved from `closed_at`.
    taken = [e.at for e in events if e.kind in ("claimed", "assigned")]
    if help_request.claimed_at is not None and taken:
        help_request.claimed_at = taken[0]
    if help_request.closed_at is not None and events:
        help_request.closed_at = events[-1].at
