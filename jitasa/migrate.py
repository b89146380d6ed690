"""Create or migrate the database to the newest schema and load the area list."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from jitasa.areas import service as areas_service
from jitasa.core.db import create_session_factory
from jitasa.incidents import service as incidents_service
from jitasa.map import registry as map_registry

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """Return Alembic's configuration for Jitasa's migrations, dated file names included."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    return config


@cache
def head_revision() -> str | None:
    """Return the newest migration's revision (read once per process)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def is_current(engine: AsyncEngine) -> bool:
    """Tell whether the database has been migrated to this version's newest schema."""
    async with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        revision = await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
    return revision == head_revision()


@dataclass(frozen=True)
class UpgradeReport:
    """What `db upgrade` did."""

    revision_before: str | None
    revision_after: str | None
    areas_changed: int
    default_incident_created: bool


async def upgrade(engine: AsyncEngine) -> UpgradeReport:
    """Apply pending migrations, then add or correct areas from geothai; a no-op when current."""
    config = alembic_config()

    def _run(connection) -> tuple[str | None, str | None]:
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        return before, MigrationContext.configure(connection).get_current_revision()

    async with engine.begin() as connection:
        before, after = await connection.run_sync(_run)
    async with create_session_factory(engine)() as session:
        changed = await areas_service.sync_from_geothai(session)
        incident_created = await incidents_service.ensure_default(session)
        # Requests written before the map kept counts (or by a bulk load) get counted once.
        await map_registry.recount_all(session, only_if_empty=True)
        await session.commit()
    return UpgradeReport(before, after, changed, incident_created)
