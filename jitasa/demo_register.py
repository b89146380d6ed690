"""The demo's village residents register: หมู่ที่ 3 of ศรีภูมิ (50010103), made-up people with
made-up (but checksum-valid) national IDs, some doses, and its อสม. who signs in by password."""

import random

from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.th import pin

from jitasa.accounts import service as accounts_service
from jitasa.areas import service as areas_service
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.vaccination import doses as doses_service
from jitasa.vaccination import residents as residents_service
from jitasa.vaccination.schemas import DoseCreate, ResidentCreate
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers.schemas import VolunteerSave

VILLAGE = "50010103"
VHV_PHONE = "+66811009001"
CENTRE = (18.7935, 98.9895)  # near Wat Chiang Man, in ศรีภูมิ
# (name, birth year BE, sex, chronic, pregnant, doses given)
PEOPLE = [
    ("บุญมี ใจงาม", 2488, "female", False, False, 0),
    ("คำปัน ศรีสุข", 2490, "male", True, False, 1),
    ("แก้ว ดวงดี", 2495, "female", False, False, 2),
    ("สมบูรณ์ คำแสน", 2520, "male", True, False, 0),
    ("จันทร์เพ็ญ วงศ์ใหญ่", 2538, "female", False, True, 0),
    ("ทองใบ อินทร์แก้ว", 2485, "female", True, False, 3),
    ("ประเสริฐ มูลเมือง", 2500, "male", False, False, 1),
    ("ศรีไพร ปัญญา", 2545, "female", False, False, 0),
    ("อ้าย สุริยวงศ์", 2492, "male", False, False, 0),
    ("นงลักษณ์ ชัยมงคล", 2512, "female", True, False, 2),
]
VACCINES = ("Sinovac", "AstraZeneca", "Pfizer")


def made_up_id(serial: int) -> str:
    """Return a made-up national ID with a valid check digit (type 8: not a real birth record)."""
    base = f"8500101{serial:05d}"
    return base + pin.calc_check_digit(base)


async def seed(session: AsyncSession, *, password: str, seed_value: int = 2021) -> dict[str, int]:
    """Add the village's อสม. (signs in with `password`) and its register (callers commit)."""
    rng = random.Random(seed_value)
    await areas_service.ensure_villages(session, codes={VILLAGE})
    user = await accounts_service.save_user(
        session,
        phone=VHV_PHONE,
        roles={Role.VOLUNTEER},
        display_name="อสม. ดวงใจ ใจบุญ",
        password=password,
    )
    volunteer, _ = await volunteers_service.save_profile(
        session,
        user=user,
        refresh_seconds=0,
        volunteer_in=VolunteerSave(
            kind="vhv", home_lat=CENTRE[0], home_lon=CENTRE[1], service_radius_km=2
        ),
    )
    volunteer.area_code = VILLAGE  # the village they follow up, not only their subdistrict
    volunteer.verified_at = utcnow()  # verified: the register's health data is for them
    given = 0
    for serial, (name, year, sex, chronic, pregnant, dose_count) in enumerate(PEOPLE, 1):
        resident = await residents_service.add(
            session,
            actor_id=None,
            resident_in=ResidentCreate.model_validate(
                {
                    "subdistrict_code": VILLAGE[:6],
                    "village_number": int(VILLAGE[6:]),
                    "household": f"{serial * 3}/{rng.randint(1, 4)}",
                    "household_lat": CENTRE[0] + rng.uniform(-0.004, 0.004),
                    "household_lon": CENTRE[1] + rng.uniform(-0.004, 0.004),
                    "name": name,
                    "birth_year": year,
                    "sex": sex,
                    "chronic_disease": chronic,
                    "pregnant": pregnant,
                    "national_id": made_up_id(serial),
                },
                strict=False,
            ),
        )
        for number in range(1, dose_count + 1):
            await doses_service.record(
                session,
                resident=resident,
                actor_id=user.id,
                dose_in=DoseCreate.model_validate(
                    {
                        "number": number,
                        "vaccine": VACCINES[number - 1],
                        "given_on": f"2021-{6 + 2 * number:02d}-15",
                        "place": "รพ.สต.ศรีภูมิ",
                    },
                    strict=False,
                ),
            )
            given += 1
    return {"residents": len(PEOPLE), "doses": given}
