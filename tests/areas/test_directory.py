"""The area snapshot a process keeps: one per database, never another database's boundaries."""

import asyncio

import shapely
from sqlalchemy import delete, update

from jitasa.areas import service
from jitasa.areas.locator import Boundary
from jitasa.areas.models import Area
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


async def test_a_change_committed_after_a_newer_one_is_still_seen(engine):
    """A boundary load that takes its time before an import's village and commits after it
    leaves count and newest time as they were; the snapshot must still be made again."""
    lat, lon = CHIANG_MAI
    square = shapely.box(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01)
    factory = create_session_factory(engine)
    loader, importer = factory(), factory()
    villages = {"50010198", "50010199"}
    try:
        await service.ensure_villages(importer, codes={"50010198"})  # holds SQLite's write lock
        loading = asyncio.create_task(
            service.load_boundaries(loader, boundaries=[Boundary("500101", square)])
        )  # takes its time now; on SQLite then waits for the lock
        await asyncio.sleep(0.2)
        await service.ensure_villages(importer, codes={"50010199"})  # a newer time
        await importer.commit()
        await loading
        async with create_session_factory(engine, mode="read")() as reader:
            before, _ = await service.locate_codes(reader, lat=lat, lon=lon, refresh_seconds=0)
        await loader.commit()
        async with create_session_factory(engine, mode="read")() as reader:
            after, _ = await service.locate_codes(reader, lat=lat, lon=lon, refresh_seconds=0)
        assert "subdistrict" not in before
        assert after["subdistrict"] == "500101"
    finally:
        await loader.close()
        await importer.close()
        async with factory.begin() as cleanup:  # the areas are kept between tests: give back
            await cleanup.execute(delete(Area).where(Area.code.in_(villages)))
            await cleanup.execute(
                update(Area)
                .where(Area.code == "500101")
                .values(boundary=None, boundary_loaded_at=None)
            )
