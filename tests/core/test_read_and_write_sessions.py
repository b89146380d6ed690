"""Reads take a read session and never the write lock; what a read must write comes after."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select, text, update

from jitasa.accounts.models import ApiToken, User
from jitasa.audit.models import AuditEntry
from jitasa.core.db import (
    ReadSessionWrites,
    asks_to_write,
    create_session_factory,
    request_session,
    request_writer,
)
from jitasa.core.shared_commits import shared_commits
from jitasa.core.words import Role
from tests.factories import signed_in
from tests.help_requests.helpers import CHIANG_MAI, make_request

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def calls(dependant) -> set:
    """Return every dependency a route or dependency calls, however deep."""
    return {dependant.call} | {c for d in dependant.dependencies for c in calls(d)}


def served_routes(app) -> list:
    """Return the app's routes with their dependencies (included routers' ones too)."""
    found = []
    for route in app.routes:
        included = getattr(route, "effective_route_contexts", None)
        found += [r for r in (included() if included else [route]) if hasattr(r, "dependant")]
    return found


def test_get_routes_read_and_mutating_routes_write(app):
    routes = served_routes(app)
    assert len(routes) > 40
    for route in routes:
        if route.methods & {"GET", "HEAD"}:
            assert not asks_to_write(route.dependant), route.path
        elif route.methods & MUTATING and request_session in calls(route.dependant):
            # A form or API change writes in the request's transaction, or in short ones (or
            # in the shared commits of a burst of creates).
            uses = calls(route.dependant)
            assert (
                asks_to_write(route.dependant) or request_writer in uses or shared_commits in uses
            ), route.path


async def test_a_read_session_refuses_to_write(engine):
    async with create_session_factory(engine, mode="read")() as session:
        session.add(User(phone="+66810000999"))
        with pytest.raises(ReadSessionWrites, match="WriteSessionDep"):
            await session.flush()
        await session.rollback()
        with pytest.raises(ReadSessionWrites):
            await session.execute(update(User).values(display_name="x"))


async def test_a_connection_that_does_not_say_it_reads_waits_its_turn_to_write(engine):
    """`engine.begin()` (migrations, DDL in tests) reads, then writes: if it began DEFERRED, a
    writer committing in between made its write fail at once with "database is locked"."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL has no deferred write lock")

    async def other_writer() -> None:
        async with create_session_factory(engine)() as session:
            await session.execute(text("CREATE TABLE test_other_writer (id INTEGER)"))
            await session.commit()

    async with engine.begin() as connection:
        await connection.execute(text("SELECT count(*) FROM sqlite_master"))
        waiting = asyncio.create_task(other_writer())
        await asyncio.sleep(0.3)
        assert not waiting.done()  # the other writer waits for this one to finish
        await connection.execute(text("CREATE TABLE test_first_writer (id INTEGER)"))
    await waiting
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE test_first_writer"))
        await connection.execute(text("DROP TABLE test_other_writer"))


@asynccontextmanager
async def writer_holding_the_lock(engine) -> AsyncIterator[None]:
    """Hold what blocks an audit row or a token touch: SQLite's write lock, or PG table locks."""
    async with create_session_factory(engine)() as holder:
        if engine.dialect.name == "sqlite":
            await holder.execute(text("SELECT 1"))  # BEGIN IMMEDIATE took the lock
        else:
            await holder.execute(text("LOCK TABLE audit_log, api_tokens IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await holder.rollback()


async def serve(app, path: str, query: str, headers: dict[str, str]):
    """Call the app as a server would; return the task serving it and a future of its answer."""
    answer = asyncio.get_running_loop().create_future()
    status, body, disconnected = [], [], asyncio.Event()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    received = False

    async def receive():
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))
            if not message.get("more_body") and not answer.done():
                answer.set_result((status[0], b"".join(body)))

    return asyncio.create_task(app(scope, receive, send)), answer


async def test_a_personal_data_read_answers_at_once_and_its_audit_row_lands_after(
    app, session, engine
):
    await make_request(session, **CHIANG_MAI)
    staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    async with writer_holding_the_lock(engine):
        serving, answer = await serve(app, "/api/v1/requests", "area=50", headers)
        # Generous: the answer needs no lock, so it comes at once; the bound only stops a hang.
        status, body = await asyncio.wait_for(answer, timeout=8)
        assert status == 200 and b"contact_phone" in body  # the full view: personal data
        # The audit row and the token's touch wait for the lock, after the answer.
        assert not serving.done()
        assert await reads(session, staff) == []
        assert await session.scalar(select(ApiToken.last_used_at)) is None
    await serving
    (read,) = await reads(session, staff)
    assert (read.subject_type, read.area_code, read.details["count"]) == ("help_requests", "50", 1)
    assert await session.scalar(select(ApiToken.last_used_at)) is not None


async def reads(session, user: User) -> list[AuditEntry]:
    """Return the personal data reads of one user."""
    statement = select(AuditEntry).where(
        AuditEntry.action == "personal_data.read", AuditEntry.actor_id == user.id
    )
    return list((await session.scalars(statement)).all())
