"""Alembic environment: migrates the connection Jitasa hands over, or the configured database."""

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from jitasa.core.config import get_settings
from jitasa.core.db import UTCDateTime, create_engine
from jitasa.models_registry import Base


def render_item(kind: str, item: object, _context) -> str | bool:
    """Write Jitasa's column types as plain SQLAlchemy types in generated migrations."""
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    """Run the migrations on one connection (batch mode so SQLite can alter tables)."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_on_configured_database() -> None:
    """Open the configured database and migrate it."""
    engine = create_engine(get_settings())
    async with engine.connect() as connection:
        await connection.run_sync(run_on)
        await connection.commit()
    await engine.dispose()


given = context.config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(run_on_configured_database())
