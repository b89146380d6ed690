"""The migrations build exactly the schema the models declare, on the run's kind of database."""

from collections.abc import AsyncIterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.ext.asyncio import AsyncEngine

from jitasa.core.config import Settings
from jitasa.core.db import create_engine
from jitasa.migrate import upgrade
from jitasa.models_registry import Base


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
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
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
