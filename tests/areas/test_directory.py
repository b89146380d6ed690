"""The area snapshot a process keeps: one per database, never another database's boundaries."""

from jitasa.areas import service
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.migrate import upgrade

CHIANG_MAI = (18.789, 98.974)  # inside the test database's loaded province and district
A_DAY = 24 * 3600.0  # a refresh no test outlives: only a change of database may rebuild


async def test_each_database_is_located_in_its_own_boundaries(engine, fresh_database_url, tmp_path):
    other = create_engine(
        Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    )
    try:
        await upgrade(other)  # Thailand's areas, but no boundary loaded
        lat, lon = CHIANG_MAI
        for bind in (other, engine, other):  # each database after the other, in one process
            async with create_session_factory(bind)() as session:
                found, loaded = await service.locate_codes(
                    session, lat=lat, lon=lon, refresh_seconds=A_DAY
                )
            if bind is other:
                assert (found, loaded) == ({}, False)
            else:
                assert loaded
                assert (found["province"], found["district"]) == ("50", "5001")
    finally:
        await other.dispose()
