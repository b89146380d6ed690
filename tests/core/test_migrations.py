"""The migrations build exactly the schema the models declare, on the run's kind of database."""

from collections.abc import AsyncIterator
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory, utcnow
from jitasa.migrate import alembic_config, upgrade
from jitasa.models_registry import Base
from jitasa.vaccination import coverage
from jitasa.vaccination.models import Coverage, CoverageRollup


@pytest.fixture
async def migrated(tmp_path, fresh_database_url) -> AsyncIterator[AsyncEngine]:
    """A database of the test's own, built by `jitasa.migrate.upgrade` alone."""
    engine = create_engine(
        Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    )
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def schema_differences(engine: AsyncEngine, metadata: MetaData) -> list:
    """Return what Alembic's autogenerate would change to make the database match `metadata`."""

    def compare(connection) -> list:
        def built_here(item, _name, kind, _reflected, _compare_to) -> bool:
            """Leave out what the models build on the other database only (`Index.ddl_if`)."""
            only = getattr(item, "_ddl_if", None) if kind == "index" else None
            return only is None or only.dialect in (None, connection.dialect.name)

        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": built_here,
            },
        )
        return compare_metadata(context, metadata)

    async with engine.connect() as connection:
        return await connection.run_sync(compare)


async def test_migrations_build_exactly_the_models_schema(migrated):
    assert await schema_differences(migrated, Base.metadata) == []


async def test_a_model_change_without_a_migration_is_caught(migrated):
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    Table("shelters", drifted, Column("id", Integer, primary_key=True))
    drifted.tables["users"].append_column(Column("nickname", Integer))

    differences = await schema_differences(migrated, drifted)

    changes = {(d[0], getattr(d[-1], "name", None)) for d in differences if isinstance(d, tuple)}
    assert ("add_table", "shelters") in changes
    assert ("add_column", "nickname") in changes


async def test_the_coverage_rollup_migration_fills_the_rollup_from_stored_rows(
    tmp_path, fresh_database_url
):
    engine = create_engine(
        Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    )
    config = alembic_config()

    def to(revision: str):
        def run(connection) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        return run

    async with engine.begin() as connection:
        await connection.run_sync(to("0022"))
        day1, day2 = date(2021, 9, 1), date(2021, 10, 1)
        rows = [
            ("50010103", day1, 10, 5), ("50010104", day2, 20, 8), ("500102", day1, 300, 100),
            ("5002", day2, 900, 450), ("50", day2, 5000, 3000), ("1001", day1, 700, 70),
        ]  # fmt: skip
        now = utcnow()
        await connection.execute(
            insert(Coverage),
            [
                dict(zip(("area_code", "as_of", "population", "dose_1"), row, strict=True))
                | {"dose_2": 0, "dose_3": 0, "booster": 0, "source": "import", "updated_at": now}
                for row in rows
            ],
        )
        await connection.run_sync(to("head"))
    async with create_session_factory(engine)() as session:
        kept = await session.scalars(select(CoverageRollup).order_by("area_code", "as_of"))
        filled = [
            (r.area_code, r.as_of, r.population, r.dose_1, r.latest, r.source, r.lone) for r in kept
        ]
        assert filled == [
            ("10", day1, 700, 70, day1, "children", False),
            ("50", day2, 5000, 3000, day2, "import", False),  # its own rows alone make it up
        ]  # 0023 filled a point of 50 on day1 from the rows inside it; 0025 made it again
        assert await coverage.coverage_of(session, area="") == await coverage.direct_answer(
            session, area=""
        )
    await engine.dispose()
