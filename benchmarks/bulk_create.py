"""Scenario `bulk_create`: an import written by batch, against single creates and bare inserts."""

import os
import time

from sqlalchemy import func, insert, select

from benchmarks.create import bodies, copies_of
from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.clusters.models import MapCell
from jitasa.core.words import Role
from jitasa.help_requests import bulk
from jitasa.help_requests import service as requests_service
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.schemas import HelpRequestCreate

# Its copies stay (see below), so they take codes of their own: `create` clears only "BF-".
BULK_FLOOR_CODE = "BB-"
ROWS = int(os.environ.get("JITASA_BENCH_BULK_ROWS", "100000"))
SINGLE_ROWS = 2000  # single creates are timed on a sample: at 100,000 they would take minutes


async def _requester(context) -> User:
    """Create the user the import runs as."""
    async with context.session_factory() as session:
        first = (await session.scalar(select(func.max(User.id)))) or 0
        user = await accounts_service.save_user(
            session, phone=f"+667{first + 1:08d}", roles={Role.REQUESTER}, display_name="importer"
        )
        await session.commit()
        return user


async def _single_creates(context, posts: list[dict], requester: User) -> float:
    """Create each row through the service with its own commit; return rows per second."""
    refresh = context.settings.boundary_refresh_seconds
    started = time.perf_counter()
    async with context.session_factory() as session:
        for post in posts:
            await requests_service.create(
                session,
                request_in=HelpRequestCreate(**post),
                requester=requester,
                refresh_seconds=refresh,
            )
            await session.commit()
    return len(posts) / (time.perf_counter() - started)


async def _bare_floor(context, ids: list[int]) -> float:
    """Insert the imported rows again with bare Core inserts, by batch; return rows per second."""
    table = HelpRequest.__table__
    rows = await copies_of(context, ids, prefix=BULK_FLOOR_CODE)
    started = time.perf_counter()
    for first in range(0, len(rows), bulk.BATCH_SIZE):
        async with context.engine.begin() as connection:
            await connection.execute(insert(table), rows[first : first + bulk.BATCH_SIZE])
    # The copies stay: deleting 100,000 rows checks each against the unindexed self-reference
    # `merged_into_id`, minutes on SQLite, and the database is thrown away after the run.
    return len(rows) / (time.perf_counter() - started)


async def run(context, *, rows: int = ROWS, single_rows: int = SINGLE_ROWS, seed: int = 11) -> dict:
    """Time an import of `rows` rows by batch, single creates of `single_rows`, and the floor."""
    posts = await bodies(context, rows + single_rows, seed)
    requester = await _requester(context)
    single_per_second = await _single_creates(context, posts[rows:], requester)
    started = time.perf_counter()
    async with context.session_factory() as session:
        report = await bulk.create_many(
            session,
            rows=posts[:rows],
            requester=requester,
            refresh_seconds=context.settings.boundary_refresh_seconds,
        )
    bulk_seconds = time.perf_counter() - started
    bulk_per_second = len(report.created_ids) / bulk_seconds
    async with context.session_factory() as session:
        cells = await session.scalar(select(func.count()).select_from(MapCell))
    floor_per_second = await _bare_floor(context, report.created_ids)
    return {
        "rows": rows,
        "batch_size": bulk.BATCH_SIZE,
        "written": len(report.created_ids),
        "refused": len(report.problems),
        "bulk_seconds": round(bulk_seconds, 2),
        "bulk_per_second": round(bulk_per_second, 1),
        "single_create_per_second": round(single_per_second, 1),
        "single_create_sample": single_rows,
        "floor_bare_insert_by_batch_per_second": round(floor_per_second, 1),
        "bulk_share_of_floor": round(bulk_per_second / floor_per_second, 3),
        "bulk_over_single": round(bulk_per_second / single_per_second, 1),
        "map_cell_rows": cells,
    }
