"""Facility test helpers: facilities made through the service, as the demo and imports do."""

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.facilities import service
from jitasa.facilities.schemas import CapacityIn, FacilityCreate

MAHARAJ = {"lat": 18.789, "lon": 98.974}  # Mueang Chiang Mai, district 5001
CHOM_THONG = {"lat": 18.418, "lon": 98.675}  # district 5002


async def make_facility(
    session: AsyncSession,
    *,
    beds: dict[str, tuple[int, int]] | None = None,
    **fields: object,
):
    """Create and commit a facility (a hospital in Mueang Chiang Mai unless told otherwise)."""
    body = {
        "type": "hospital",
        "name_th": "โรงพยาบาลทดสอบ",
        "name_en": "Test Hospital",
        **MAHARAJ,
        "phone": "053-100-200",
        **fields,
    }
    capacity = {r: CapacityIn(total=t, available=a) for r, (t, a) in (beds or {}).items()}
    facility = await service.create(
        session,
        facility_in=FacilityCreate(**body),
        capacity=capacity,
        actor_id=None,
        via="test",
        refresh_seconds=0,
    )
    await session.commit()
    return facility
