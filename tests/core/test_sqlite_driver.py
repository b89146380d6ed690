"""SQLite's one-trip cursor: each statement is one call in aiosqlite's thread, same answers."""

import pytest
from sqlalchemy import exc, text

from jitasa.core.db import create_engine

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def sqlite_engine(settings, tmp_path):
    """An engine of the app's own making on a SQLite file of the test's own."""
    if not settings.is_sqlite:
        pytest.skip("the one-trip cursor is SQLite's")
    engine = create_engine(
        settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'trips.db'}"})
    )
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            "CREATE TABLE pins (id INTEGER PRIMARY KEY, code TEXT UNIQUE NOT NULL, n INTEGER)"
        )
    yield engine
    await engine.dispose()


class Trips:
    """Count the calls a connection sends to aiosqlite's thread."""

    def __init__(self, raw) -> None:
        self.count = 0
        self.thread = raw.driver_connection
        sent = self.thread._execute

        async def counted(function, *args, **kwargs):
            self.count += 1
            return await sent(function, *args, **kwargs)

        self.thread._execute = counted


async def test_each_statement_is_one_trip_and_answers_as_sqlite_does(sqlite_engine):
    async with sqlite_engine.connect() as connection:
        trips = Trips(await connection.get_raw_connection())
        await connection.begin()  # BEGIN IMMEDIATE: one trip
        inserted = await connection.execute(
            text("INSERT INTO pins (code, n) VALUES (:code, :n) RETURNING id"),
            {"code": "a", "n": 1},
        )
        assert inserted.scalar_one() == 1
        many = await connection.execute(
            text("INSERT INTO pins (code, n) VALUES (:code, :n)"),
            [{"code": "b", "n": 2}, {"code": "c", "n": 3}],
        )
        assert many.rowcount == 2
        plain = await connection.execute(text("INSERT INTO pins (code, n) VALUES ('d', 4)"))
        assert plain.lastrowid == 4
        updated = await connection.execute(text("UPDATE pins SET n = n + 10 WHERE n > 1"))
        assert updated.rowcount == 3
        rows = await connection.execute(text("SELECT code, n FROM pins ORDER BY id"))
        assert rows.all() == [("a", 1), ("b", 12), ("c", 13), ("d", 14)]
        assert trips.count == 6
        await connection.commit()
        assert trips.count == 7


async def test_errors_are_sqlites_and_the_transaction_rolls_back(sqlite_engine):
    async with sqlite_engine.connect() as connection:
        await connection.begin()
        await connection.execute(text("INSERT INTO pins (code) VALUES ('a')"))
        with pytest.raises(exc.IntegrityError):
            await connection.execute(text("INSERT INTO pins (code) VALUES ('a')"))
        await connection.rollback()
        assert (await connection.execute(text("SELECT count(*) FROM pins"))).scalar() == 0


async def test_a_connection_back_in_the_pool_after_a_commit_costs_no_rollback_trip(
    sqlite_engine,
):
    async with sqlite_engine.connect() as connection:
        trips = Trips(await connection.get_raw_connection())
        await connection.begin()
        await connection.execute(text("INSERT INTO pins (code) VALUES ('a')"))
        await connection.commit()
        before = trips.count
    assert trips.count == before  # the pool's reset found no transaction to roll back
    async with sqlite_engine.connect() as connection:
        await connection.begin()
        await connection.execute(text("INSERT INTO pins (code) VALUES ('b')"))
    # Closed without a commit: the pool's reset rolled the open transaction back.
    async with sqlite_engine.connect() as connection:
        codes = (await connection.execute(text("SELECT code FROM pins"))).scalars().all()
    assert codes == ["a"]


async def test_a_stream_still_reads_batch_by_batch(sqlite_engine):
    async with sqlite_engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO pins (code, n) VALUES (:code, :n)"),
            [{"code": f"p{n}", "n": n} for n in range(250)],
        )
    async with sqlite_engine.connect() as connection:
        result = await connection.stream(
            text("SELECT n FROM pins ORDER BY n").execution_options(yield_per=100)
        )
        assert type(result._real_result.cursor).__name__ == "AsyncAdapt_aiosqlite_ss_cursor"
        batches = [len(batch) async for batch in result.partitions(100)]
    assert batches == [100, 100, 50]
