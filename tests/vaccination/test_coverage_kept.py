"""The coverage answers a process keeps are made again after every change inside the area."""

from datetime import date

import pytest

from jitasa.core.db import create_session_factory
from jitasa.vaccination import coverage
from jitasa.vaccination.coverage import Figures, Row

DAY = date(2021, 11, 1)


async def test_a_change_committed_after_a_newer_one_is_still_answered(engine):
    """An import that changed a district's row before another added one, and committed after
    it, leaves the province's count and newest time as they were; its answer must move."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's writers wait for the lock before they take their time")
    factory = create_session_factory(engine)
    async with factory.begin() as first:
        await coverage.store(first, [Row("5001", DAY, Figures(1000, 100))], refresh=False)
    async with factory() as late, factory() as newer:
        await coverage.store(late, [Row("5001", DAY, Figures(1000, 600))], refresh=False)
        await coverage.store(newer, [Row("5002", DAY, Figures(500, 50))], refresh=False)
        await newer.commit()
        async with create_session_factory(engine, mode="read")() as reader:
            before = await coverage.coverage_of(reader, area="50")
        await late.commit()
    async with create_session_factory(engine, mode="read")() as reader:
        after = await coverage.coverage_of(reader, area="50")
    assert (before.children["5001"].dose_1, after.children["5001"].dose_1) == (100, 600)
