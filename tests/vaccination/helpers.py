"""Residents and people for the vaccination tests: valid national IDs, a village, an อสม."""

from stdnum.th import pin

from jitasa.areas import service as areas_service
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from tests.factories import bearer, make_user, make_volunteer

VILLAGE = "50010103"  # หมู่ที่ 3 of ศรีภูมิ (500101), Mueang Chiang Mai


def national_id(serial: int) -> str:
    """Return a valid 13-digit national ID (its check digit computed)."""
    base = f"1500101{serial:05d}"
    return base + pin.calc_check_digit(base)


def resident(serial: int, **changes) -> dict:
    """Return the body of a new resident of the village."""
    return {
        "subdistrict_code": "500101",
        "village_number": 3,
        "household": str(serial),
        "name": f"ผู้อยู่อาศัย {serial}",
        "birth_year": 2490,  # BE: 1947, 60 or older
        "sex": "female",
        "national_id": national_id(serial),
        **changes,
    }


async def coordinator(session, area: str = "5001") -> dict[str, str]:
    """Return the headers of a coordinator of the area."""
    return await bearer(session, await make_user(session, roles=[Role.COORDINATOR], area_code=area))


async def vhv(session, village: str = VILLAGE) -> dict[str, str]:
    """Return the headers of an อสม. whose profile's area is the village."""
    user = await make_user(session, roles=[Role.VOLUNTEER])
    volunteer = await make_volunteer(session, user=user, kind="vhv")
    await areas_service.ensure_villages(session, codes={village})
    volunteer.area_code = village
    volunteer.verified_at = utcnow()  # the register's health data is for verified อสม. only
    await session.commit()
    return await bearer(session, user)
