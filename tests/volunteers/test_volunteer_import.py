"""Imports register many volunteers at once, exactly as registering them one by one would."""

import pytest
from sqlalchemy import delete, event, func, select
from sqlalchemy.exc import OperationalError

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.audit.models import AuditEntry
from jitasa.core.db import create_session_factory
from jitasa.volunteers import bulk
from jitasa.volunteers import service as volunteers_service
from jitasa.volunteers.models import Volunteer
from jitasa.volunteers.schemas import VolunteerImport
from tests.factories import make_user, make_volunteer

CHIANG_MAI = (18.7883, 98.9853)
CHOM_THONG = (18.4167, 98.675)
KNOWN_PHONE = "+66815550001"  # row 2's phone: someone who signed in as a requester before
# What differs between two registrations of the same row: ids and the clock.
OWN_COLUMNS = {"id", "user_id", "created_at", "updated_at"}


@pytest.fixture
async def writer(engine):
    """A session that writes in transactions, as the importer's does."""
    async with create_session_factory(engine)() as session:
        yield session


def profile_rows(count: int) -> list[dict]:
    """Return volunteer rows of several kinds, homes, names and phone spellings."""
    rows = []
    for index in range(count):
        lat, lon = CHIANG_MAI if index % 2 else CHOM_THONG
        rows.append(
            {
                "phone": f"08{index % 10}-555-{index:04d}",
                "display_name": f"อาสา {index}" if index % 3 else None,
                "kind": ["vhv", "student", "general"][index % 3],
                "skills": ["first aid", "ขับรถ"][: index % 3],
                "vehicle": ["none", "pickup"][index % 2],
                "home_lat": lat + index / 10000,
                "home_lon": lon,
                "service_radius_km": 5 + index,
            }
        )
    return rows


def phones_of(rows: list[dict]) -> set[str]:
    """Return the rows' phones as stored (E.164)."""
    return {VolunteerImport.model_validate(row).phone for row in rows}


async def fresh_people(session) -> User:
    """Keep no one but a requester who signed in before; return a new importer."""
    for model in (Volunteer, AuditEntry, User):
        await session.execute(delete(model))
    await session.commit()
    await make_user(session, phone=KNOWN_PHONE, display_name="Old name")
    return await make_user(session)


def columns_of_profiles() -> list[str]:
    """Return the profile columns a snapshot compares."""
    return [c.name for c in Volunteer.__table__.columns if c.name not in OWN_COLUMNS]


async def snapshot(session, phones: set[str]) -> tuple[list, list, list]:
    """Return the profiles, the people's names and roles, and the role audit, by phone."""
    columns = [Volunteer.__table__.c[name] for name in columns_of_profiles()]
    profiles = await session.execute(
        select(User.phone, *columns).join(User, User.id == Volunteer.user_id).order_by(User.phone)
    )
    people = list(await session.scalars(select(User).where(User.phone.in_(phones))))
    phone_of = {str(u.id): u.phone for u in people}
    audit = await session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "user"))
    return (
        [tuple(r) for r in profiles],
        sorted((u.phone, u.display_name, sorted(u.roles)) for u in people),
        sorted(
            (phone_of[e.subject_id], e.action, e.area_code, e.details)
            for e in audit
            if e.subject_id in phone_of
        ),
    )


async def count_of(session, model, *where) -> int:
    """Count the rows of a table."""
    return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_import_registers_what_one_by_one_registration_does(writer):
    rows = profile_rows(12)
    await fresh_people(writer)
    for row in rows:
        volunteer_in = VolunteerImport.model_validate(row)
        user = await accounts_service.get_or_create_by_phone(writer, phone=volunteer_in.phone)
        await volunteers_service.save_profile(
            writer, user=user, volunteer_in=volunteer_in, refresh_seconds=0
        )
        await writer.commit()
    one_by_one = await snapshot(writer, phones_of(rows))
    importer = await fresh_people(writer)

    report = await bulk.create_many(
        writer, rows=rows, importer=importer, refresh_seconds=0, batch_size=5
    )

    assert report.problems == []
    assert len(report.created_ids) == 12
    in_bulk = await snapshot(writer, phones_of(rows))
    assert in_bulk == one_by_one
    assert ("+66815550001", "อาสา 1", ["requester", "volunteer"]) in in_bulk[1]
    area_column = 1 + columns_of_profiles().index("area_code")
    assert {p[area_column][:4] for p in in_bulk[0]} == {"5001", "5002"}
    assert len(in_bulk[2]) == 12  # every one of them became a volunteer, audited
    audited_by = await writer.scalars(select(AuditEntry.actor_id).distinct())
    assert set(audited_by) == {importer.id}


async def test_bad_rows_are_reported_by_number_and_field_and_not_written(writer):
    importer = await make_user(writer)
    registered = await make_volunteer(writer, user=await make_user(writer, phone="+66895550009"))
    rows = profile_rows(10)
    bad = {
        2: ({"phone": "12345"}, "phone"),
        3: ({"home_lat": "north"}, "home_lat"),
        4: ({"phone": rows[0]["phone"]}, "phone"),  # row 1's person again, in the same batch
        5: ({"kind": "wizard"}, "kind"),
        6: ({"home_lat": 51.5, "home_lon": -0.12}, "home_lat"),
        8: ({"phone": rows[0]["phone"]}, "phone"),  # and in the next batch: registered by now
        10: ({}, "phone"),  # row 10's phone, +66895550009, had a profile before
    }
    for number, (overrides, _field) in bad.items():
        rows[number - 1] |= overrides

    report = await bulk.create_many(
        writer, rows=rows, importer=importer, refresh_seconds=0, batch_size=5
    )

    assert [(p.row, p.errors[0].field) for p in report.problems] == [
        (number, field) for number, (_overrides, field) in bad.items()
    ]
    for problem in report.problems:
        for error in problem.errors:
            assert error.message and error.message_th != error.message
            assert any("\u0e00" <= letter <= "\u0e7f" for letter in error.message_th)
    messages = {p.row: p.errors[0].message for p in report.problems}
    assert messages[4] == "This phone number is also in row 1."
    assert messages[8] == messages[10] == "This phone number already has a volunteer profile."
    assert len(report.created_ids) == 3
    assert await count_of(writer, Volunteer) == 3 + 1
    written = phones_of([rows[i] for i in (0, 6, 8)])
    assert await count_of(writer, User, User.phone.in_(written)) == 3
    kept = await writer.scalar(select(Volunteer).where(Volunteer.id == registered.id))
    assert (kept.kind, kept.home_lat) == (registered.kind, registered.home_lat)


async def test_control_characters_are_refused_by_field_on_both_databases(writer):
    importer = await make_user(writer)
    rows = profile_rows(2)
    rows[0]["display_name"] = "อาสา\x00"
    rows[1]["skills"] = ["first aid", "\x1b[2J"]
    report = await bulk.create_many(writer, rows=rows, importer=importer, refresh_seconds=0)
    assert [(p.row, p.errors[0].field) for p in report.problems] == [
        (1, "display_name"),
        (2, "skills"),
    ]
    assert "control character" in report.problems[0].errors[0].message
    assert report.created_ids == []


async def test_a_batch_failing_in_the_database_leaves_nothing_of_itself(engine, writer):
    importer = await make_user(writer)
    rows = profile_rows(8)
    profile_inserts = 0

    def fail_the_second_profiles(_connection, _cursor, statement, *_args) -> None:
        nonlocal profile_inserts
        if statement.startswith("INSERT INTO volunteers"):
            profile_inserts += 1
            if profile_inserts == 2:  # the second batch's people are in; its profiles fail
                raise OperationalError(statement, None, Exception("disk I/O error"))

    event.listen(engine.sync_engine, "before_cursor_execute", fail_the_second_profiles)
    try:
        with pytest.raises(OperationalError):
            await bulk.create_many(
                writer, rows=rows, importer=importer, refresh_seconds=0, batch_size=5
            )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", fail_the_second_profiles)

    assert profile_inserts == 2
    assert await count_of(writer, Volunteer) == 5
    assert await count_of(writer, User, User.phone.in_(phones_of(rows[5:]))) == 0
    assert await count_of(writer, AuditEntry, AuditEntry.action == "user.roles_changed") == 5
