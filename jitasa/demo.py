"""The embedded demo: a Chiang Mai scenario on a SQLite database of its own."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from jitasa import demo_register, demo_scenario
from jitasa.areas import service as areas_service
from jitasa.areas.boundaries import read_boundary_file
from jitasa.areas.models import Area
from jitasa.core.config import Settings
from jitasa.core.db import create_session_factory

PACKAGED_BOUNDARIES = [
    Path(__file__).parent / "areas" / "data" / name
    for name in ("th_adm1.geojson.gz", "th_adm2.geojson.gz")
]
DEMO_DATABASE = "demo.db"


def demo_settings(settings: Settings) -> Settings:
    """Return settings for the demo: always SQLite in the data directory, whatever else is set."""
    url = f"sqlite:///{(settings.data_dir / DEMO_DATABASE).resolve()}"
    return settings.model_copy(update={"database_url": url})


async def load_packaged_boundaries(engine: AsyncEngine) -> int:
    """Load Thailand's province and district boundaries shipped with Jitasa, once."""
    async with create_session_factory(engine)() as session:
        loaded = await session.scalar(
            select(func.count()).select_from(Area).where(Area.boundary_loaded_at.is_not(None))
        )
        if loaded:
            return 0
        codes = await areas_service.known_codes(session)
        count = 0
        for path in PACKAGED_BOUNDARIES:
            count += await areas_service.load_boundaries(
                session, boundaries=read_boundary_file(path, codes)
            )
        await session.commit()
        return count


async def seed_scenario(engine: AsyncEngine) -> dict[str, int]:
    """Add the Chiang Mai people and requests on the first run; return what was added."""
    async with create_session_factory(engine)() as session:
        if await demo_scenario.is_seeded(session):
            return {}
        added = await demo_scenario.seed(session)
        added |= await demo_register.seed(session, password=demo_scenario.DEMO_PASSWORD)
        await session.commit()
        return added
