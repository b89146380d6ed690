"""Hot endpoints send a pinned list of SQL statements, so an N+1 (or a stray query) fails here.

Each list names every statement the endpoint sends, verb and table, in order, with why it is
there. Transaction control (SQLite's `BEGIN IMMEDIATE`/`DEFERRED`) is left out, so the lists are
the same on SQLite and PostgreSQL. Every test has several rows, so a query per row shows.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from jitasa.core.words import Role
from jitasa.models_registry import Base
from tests.factories import signed_in
from tests.help_requests.helpers import CHIANG_MAI, make_request, sos, volunteer

ROWS = 6
TABLE = re.compile(r"\b(" + "|".join(sorted(Base.metadata.tables, key=len, reverse=True)) + r")\b")
NEAR_CHIANG_MAI = "98.90,18.70,99.10,18.90"

# Signing in with a token: find the token, its user, and the user's roles (one selectin).
SIGNED_IN = ["SELECT api_tokens"]  # the token, its user and the user's roles, joined
# What the commit's hooks send, and the timeline rows the first of them flushes.
COMMIT_HOOKS_BEGIN = {
    "INSERT help_request_events",
    "INSERT outbox_events",
    "INSERT map_cells",
    "INSERT help_request_tallies",
    "INSERT help_request_actor_days",
}


def hooks_sorted(statements: list[str]) -> list[str]:
    """Return the statements with the commit's hooks (from the first statement one of them
    sends or flushes, to the end) sorted: each domain's hook runs in the order its module was
    first imported (a test process may import them in another order than the server does),
    which says nothing of what is sent."""
    first = next((i for i, s in enumerate(statements) if s in COMMIT_HOOKS_BEGIN), None)
    if first is None:
        return statements
    return [*statements[:first], *sorted(statements[first:])]


def label(statement: str) -> str:
    """Name a statement by its verb and the first table it names: `SELECT map_cells`."""
    verb = statement.split(None, 1)[0].upper()
    table = TABLE.search(statement)
    return f"{verb} {table.group(1) if table else '?'}"


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """Record the label of every statement the app's engine sends while the block runs."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            sent.append(label(statement))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def warmed_up(client, headers: dict[str, str]) -> dict[str, str]:
    """Use a token once, so the counted call finds it touched this minute (the steady state)."""
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    return headers


@pytest.fixture
async def scattered(session) -> None:
    """Open requests at distinct public pins around Chiang Mai city: lone points up close."""
    for i in range(ROWS):
        await make_request(session, lat=CHIANG_MAI["lat"] + 0.02 * i, lon=CHIANG_MAI["lon"])


async def test_the_map_reads_all_of_thailand_without_a_statement(app, client, scattered):
    await app.state.map_index.ensure(app.state.read_session_factory)  # as at start-up
    with statements(app) as sent:
        response = await client.get(
            "/api/v1/map", params={"bbox": "97.3,5.6,105.7,20.5", "zoom": 6}
        )
    assert response.json()["totals"] == {"requests": ROWS}
    # The national cell counts are in the process's index (jitasa.clusters.index).
    assert sent == []


async def test_a_province_map_reads_its_cells_in_one_statement(app, client, scattered):
    await app.state.map_index.ensure(app.state.read_session_factory)
    params = {"bbox": "97.3,5.6,105.7,20.5", "zoom": 6, "area": "50"}
    with statements(app) as sent:
        response = await client.get("/api/v1/map", params=params)
    assert response.status_code == 200
    # The area named, then the province's cell counts of every display cell and ring strip.
    assert sent == ["SELECT areas", "SELECT map_cells"]


async def test_the_map_looks_up_all_lone_points_in_one_statement(app, client, scattered):
    params = {"bbox": NEAR_CHIANG_MAI, "zoom": 14}
    await app.state.map_index.ensure(app.state.read_session_factory)  # as at start-up
    with statements(app) as sent:
        response = await client.get("/api/v1/map", params=params)
    points = [f for f in response.json()["features"] if not f["properties"]["cluster"]]
    assert len(points) == ROWS
    # The level-0 cells come from the index; the requests at every lone pin together.
    assert sent == ["SELECT help_requests"]


async def test_the_public_list_is_one_statement(app, client, scattered):
    with statements(app) as sent:
        response = await client.get("/api/v1/requests")
    assert len(response.json()["items"]) == ROWS
    assert sent == ["SELECT help_requests"]  # one page, newest first; nothing per row


async def test_the_full_list_adds_the_sign_in_and_one_audit_row(app, client, session, scattered):
    _admin, headers = await signed_in(session, roles=[Role.ADMIN])
    headers = await warmed_up(client, headers)
    with statements(app) as sent:
        response = await client.get("/api/v1/requests", headers=headers)
    assert len(response.json()["items"]) == ROWS
    assert sent == [
        *SIGNED_IN,
        "SELECT help_requests",  # the page
        "INSERT audit_log",  # one personal-data read entry for the whole page, not one per row
    ]


async def test_create_sends_a_pinned_list_of_statements(app, client, session, scattered):
    _requester, headers = await signed_in(session)
    headers = await warmed_up(client, headers)
    with statements(app) as sent:
        response = await client.post("/api/v1/requests", json=sos(), headers=headers)
    assert response.status_code == 201, response.text
    pinned = [
        *SIGNED_IN,
        # Requests an hour per account and per address, counted in the creating transaction
        # (so a failed create counts nothing) in one upsert; keys' first windows drop their
        # older ones (here both keys are new).
        "INSERT rate_limit_windows",
        "DELETE rate_limit_windows",
        "SELECT incidents",  # the default incident (the newest active one) and its categories
        "SELECT areas",  # boundaries changed? (tests refresh every request; production every N s)
        # The request under a random public code, skipping a taken one (ON CONFLICT DO NOTHING
        # RETURNING): no separate "is the code free?" query.
        "INSERT help_requests",
        # At the commit (the sign-in above was read in a read session, committed before; the
        # write is a transaction of the shared commits, core/shared_commits.py): the timeline's
        # first entry, flushed with it, then the hooks, in any order (`hooks_sorted`).
        "INSERT help_request_events",
        "INSERT outbox_events",  # the live event, built from the final state before commit
        "INSERT map_cells",  # every level's cell count at once (executemany, upsert)
        "INSERT map_cell_changes",  # the same national counts, for other processes' indexes
        "INSERT help_request_tallies",  # the desk's and dashboard's counts, every level at once
        "INSERT help_request_days",  # posted today, every level at once (the 7-day curve)
        "INSERT help_request_actor_days",  # the requester acted today (ON CONFLICT DO NOTHING)
        "INSERT help_request_open_cells",  # nearby's count of open requests in the pin's cell
    ]
    assert hooks_sorted(sent) == hooks_sorted(pinned)


async def test_claim_sends_a_pinned_list_of_statements(app, client, session, scattered):
    target = await make_request(session)
    _helper, headers = await volunteer(session)
    headers = await warmed_up(client, headers)
    with statements(app) as sent:
        response = await client.post(f"/api/v1/requests/{target.id}/claim", headers=headers)
    assert response.status_code == 200, response.text
    pinned = [
        "SELECT help_requests",  # the request named in the path
        *SIGNED_IN,
        "SELECT volunteers",  # the claimer's profile (its user is the one signed in)
        "SELECT incident_categories",  # does the category need a verified volunteer?
        "SELECT help_requests",  # how many requests the claimer holds already (their cap)
        "UPDATE help_requests",  # open -> claimed, only if still open: one claim wins
        "SELECT help_requests",  # the request as committed, for the answer
        "SELECT help_requests",  # its first take so far, joined to its timeline (one row)
        "INSERT audit_log",  # the claimer now sees the full view: every reveal is audited
        "INSERT help_request_events",
        "INSERT outbox_events",  # the live event, built from the final state before commit
        "INSERT map_cells",  # the counts move from open to claimed, every level at once
        "INSERT map_cell_changes",  # the same national counts, for other processes' indexes
        "INSERT help_request_tallies",  # likewise the desk's and dashboard's counts
        "INSERT help_request_durations",  # a first take: its wait, by day, every level at once
        "INSERT help_request_duration_totals",  # and in the whole incident's figures
        "INSERT help_request_actor_days",  # the volunteer acted today: the dashboard counts it
        "INSERT help_request_open_cells",  # one open request fewer in the pin's cell
    ]
    assert hooks_sorted(sent) == hooks_sorted(pinned)


async def test_nearby_sends_a_pinned_list_of_statements(app, client, session, scattered):
    _helper, headers = await volunteer(session)
    headers = await warmed_up(client, headers)
    with statements(app) as sent:
        response = await client.get("/api/v1/requests/nearby", params=CHIANG_MAI, headers=headers)
    assert len(response.json()) == ROWS
    assert sent == [
        *SIGNED_IN,
        "SELECT volunteers",  # the volunteer's profile: which categories they may claim
        # The cells nearest first, as far as they hold enough open requests: the first box
        # holds fewer than asked for (six, 2.2 km apart), so a second reaches the radius.
        "SELECT help_request_open_cells",
        "SELECT help_request_open_cells",
        "SELECT help_requests",  # those cells' requests, with the categories' codes inside
    ]
