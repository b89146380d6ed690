"""Imports write many requests at once, exactly as as many single creates would."""

import random

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.exc import OperationalError

from jitasa.clusters.models import MapCell
from jitasa.core.db import create_session_factory
from jitasa.core.events import OutboxEvent
from jitasa.help_requests import bulk, signals
from jitasa.help_requests import service as requests_service
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import HelpRequestCreate
from jitasa.map import registry
from tests.factories import bearer, make_user
from tests.help_requests.helpers import CHIANG_MAI, CHOM_THONG, sos

KINDS = [("food_supplies", "urgent"), ("food_supplies", "normal"), ("oxygen", "red")]
KINDS += [("medicine", "yellow"), ("other", "normal")]
# What differs between two creates of the same row: the id, the random code and the clock.
OWN_COLUMNS = {"id", "code", "created_at", "updated_at", "consent_at"}
BAD_ROWS = {
    2: ({"lat": "north"}, "lat", "lat must be a number."),
    4: ({"category": "unicorns"}, "category", None),
    5: ({"category": "oxygen", "urgency": "red", "consent": False}, "consent", None),
    6: ({"contact_phone": "12345"}, "contact_phone", None),
    8: ({"incident": "no-such-incident"}, "incident", None),
    9: ({"lat": 51.5, "lon": -0.12}, "lat", None),
}


@pytest.fixture
async def writer(engine):
    """A session that writes in transactions, as the importer's does."""
    async with create_session_factory(engine)() as session:
        yield session


def rows_around_chiang_mai(count: int, seed: int) -> list[dict]:
    """Return SOS rows of every kind around Chiang Mai, a quarter of one kind on one pin."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        category, urgency = rng.choice(KINDS)
        pin = {"lat": rng.uniform(18.70, 18.90), "lon": rng.uniform(98.90, 99.10)}
        if index % 4 == 0:  # the same kind on the same pin: one map item, counted many times
            pin, category, urgency = CHIANG_MAI, "food_supplies", "urgent"
        elif index % 4 == 1:
            pin = CHOM_THONG
        rows.append(
            sos(category=category, urgency=urgency, consent=True, people_count=index % 5 + 1, **pin)
        )
    return rows


async def snapshot(session) -> tuple[list[dict], list[tuple], dict]:
    """Return the requests (as rows, in creation order), their timeline and the map's counts."""
    columns = [c for c in HelpRequest.__table__.columns if c.name not in OWN_COLUMNS]
    requests = [
        dict(r._mapping) for r in await session.execute(select(*columns).order_by(HelpRequest.id))
    ]
    timeline = list(
        await session.execute(
            select(RequestEvent.kind, RequestEvent.actor_id, RequestEvent.to_status)
            .join(HelpRequest, HelpRequest.id == RequestEvent.request_id)
            .order_by(HelpRequest.id)
        )
    )
    cells = {
        (c.layer, c.province_code, c.level, c.x, c.y, c.d1, c.d2, c.d3): (
            c.count,
            round(c.sum_lat, 6),
            round(c.sum_lon, 6),
        )
        for c in await session.scalars(select(MapCell).where(MapCell.count != 0))
    }
    return requests, [tuple(t) for t in timeline], cells


async def forget_requests(session) -> None:
    """Delete every request, its timeline, its events and its map counts."""
    for table in (RequestEvent, OutboxEvent, HelpRequest, MapCell):
        await session.execute(delete(table))
    await session.commit()


async def count_of(session, model, *where) -> int:
    """Count the rows of a table."""
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_bulk_create_writes_what_single_creates_write(writer):
    requester = await make_user(writer, display_name="Somchai")
    rows = rows_around_chiang_mai(40, seed=9)
    for row in rows:
        await requests_service.create(
            writer,
            request_in=HelpRequestCreate(**row),
            requester=requester,
            refresh_seconds=0,
        )
        await writer.commit()
    one_by_one = await snapshot(writer)
    await forget_requests(writer)

    report = await bulk.create_many(
        writer, rows=rows, requester=requester, refresh_seconds=0, batch_size=7
    )

    assert report.problems == []
    assert len(report.created_ids) == 40
    in_bulk = await snapshot(writer)
    assert in_bulk == one_by_one
    assert {r["province_code"] for r in in_bulk[0]} == {"50"}
    assert {r["district_code"] for r in in_bulk[0]} >= {"5001", "5002"}
    assert (await registry.recount_all(writer))["requests"] > 0
    await writer.commit()
    writer.expunge_all()
    assert (await snapshot(writer))[2] == in_bulk[2]
    codes = await writer.scalars(select(HelpRequest.code))
    assert len(set(codes)) == 40


async def test_bad_rows_are_reported_by_number_and_field_and_not_written(writer):
    requester = await make_user(writer)
    rows = rows_around_chiang_mai(10, seed=3)
    for number, (overrides, _field, _message) in BAD_ROWS.items():
        rows[number - 1] |= overrides | {"description": f"bad row {number}"}

    report = await bulk.create_many(
        writer, rows=rows, requester=requester, refresh_seconds=0, batch_size=4
    )

    assert [p.row for p in report.problems] == sorted(BAD_ROWS)
    for problem in report.problems:
        _overrides, field, message = BAD_ROWS[problem.row]
        assert field in {e.field for e in problem.errors}, problem
        for error in problem.errors:
            assert error.message and error.message_th and error.message_th != error.message
            assert any("\u0e00" <= letter <= "\u0e7f" for letter in error.message_th)
        if message:
            assert message in {e.message for e in problem.errors}
    assert problem.as_dict()["errors"][0].keys() == {"field", "message", "message_th"}
    assert len(report.created_ids) == 10 - len(BAD_ROWS)
    assert await count_of(writer, HelpRequest) == 10 - len(BAD_ROWS)
    assert await count_of(writer, HelpRequest, HelpRequest.description.like("bad row%")) == 0
    assert await count_of(writer, RequestEvent) == 10 - len(BAD_ROWS)
    national = await writer.scalar(
        select(func.sum(MapCell.count)).where(MapCell.level == 0, MapCell.province_code == "")
    )
    assert national == 10 - len(BAD_ROWS)


async def test_a_bad_row_gets_the_messages_the_api_gives(client, writer):
    requester = await make_user(writer)
    body = sos(people_count="many", contact_phone="12345", description="ก" * 2001)
    report = await bulk.create_many(writer, rows=[body], requester=requester, refresh_seconds=0)
    response = await client.post(
        "/api/v1/requests", json=body, headers=await bearer(writer, requester)
    )
    assert response.status_code == 422
    (problem,) = report.problems
    assert [e.as_dict() for e in problem.errors] == response.json()["errors"]


async def test_a_control_character_is_refused_by_field_as_the_api_refuses_it(client, writer):
    """PostgreSQL cannot store NUL and SQLite can: an import refuses it alike on both."""
    requester = await make_user(writer)
    body = sos(contact_name="ยาย\x00", description="ok")
    report = await bulk.create_many(writer, rows=[body], requester=requester, refresh_seconds=0)
    response = await client.post(
        "/api/v1/requests", json=body, headers=await bearer(writer, requester)
    )
    assert response.status_code == 422
    (problem,) = report.problems
    assert [e.as_dict() for e in problem.errors] == response.json()["errors"]
    assert problem.errors[0].field == "contact_name"
    assert "control character" in problem.errors[0].message
    assert report.created_ids == []


async def test_each_batch_is_announced_by_one_summary_event(writer):
    requester = await make_user(writer)
    rows = rows_around_chiang_mai(12, seed=5)

    report = await bulk.create_many(
        writer, rows=rows, requester=requester, refresh_seconds=0, batch_size=5
    )

    events = list(await writer.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
    assert [e.kind for e in events] == [signals.IMPORTED] * 3
    assert [e.public["count"] for e in events] == [5, 5, 2]
    assert {tuple(e.public["province_codes"]) for e in events} == {("50",)}
    assert [i for e in events for i in e.full["ids"]] == report.created_ids
    assert all("ids" not in e.public for e in events)


async def test_a_batch_failing_in_the_database_leaves_nothing_of_itself(engine, writer):
    requester = await make_user(writer)
    rows = rows_around_chiang_mai(12, seed=7)
    timeline_inserts = 0

    def fail_the_second_timeline(_connection, _cursor, statement, *_args) -> None:
        nonlocal timeline_inserts
        if statement.startswith("INSERT INTO help_request_events"):
            timeline_inserts += 1
            if timeline_inserts == 2:  # the second batch's requests are in; its timeline fails
                raise OperationalError(statement, None, Exception("disk I/O error"))

    event.listen(engine.sync_engine, "before_cursor_execute", fail_the_second_timeline)
    try:
        with pytest.raises(OperationalError):
            await bulk.create_many(
                writer, rows=rows, requester=requester, refresh_seconds=0, batch_size=5
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", fail_the_second_timeline)

    assert timeline_inserts == 2
    assert await count_of(writer, HelpRequest) == 5
    assert await count_of(writer, RequestEvent) == 5
    assert await count_of(writer, OutboxEvent) == 1
    national = select(func.sum(MapCell.count)).where(
        MapCell.level == 0, MapCell.province_code == ""
    )
    assert await writer.scalar(national) == 5
    await writer.commit()  # nothing of the failed batch waits to be written later
    assert await writer.scalar(national) == 5
