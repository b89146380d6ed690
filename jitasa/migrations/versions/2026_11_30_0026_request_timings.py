"""Kept timings of the requests: waits to the first take and to resolution per area, day and
kept minute, and requests posted and finished per area and day; filled from the requests and
their timelines as they are.

The dashboard's medians and 90th percentiles, and its 7-day curve, read a few of these rows
instead of every take and resolution (`help_requests/timings.py` keeps them exact); whether a
volunteer acted on a day is looked up by actor and time, and the oldest requests past their
limit through a partial index of them (new indexes). The SQL below is a frozen copy of
`help_requests/timing_sql.py` as of this revision.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 22:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

FINAL = ("resolved", "cancelled", "closed", "expired")
TAKES = ("claimed", "assigned")
DEPTHS = (
    "SELECT 0 AS depth UNION ALL SELECT 2 UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 8"
)


def _day(dialect: str, column: str) -> str:
    """SQL for the Bangkok day of a stored UTC moment."""
    if dialect == "postgresql":
        return f"(({column} AT TIME ZONE 'UTC') + interval '7 hours')::date"
    return f"date({column}, '+7 hours')"


def _minutes(dialect: str, later: str, earlier: str) -> str:
    """SQL for the whole minutes from `earlier` to `later`, rounded down."""
    if dialect == "postgresql":
        return f"floor(extract(epoch from ({later} - {earlier})) / 60)::bigint"

    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds, then the microseconds.
    def micro(column: str) -> str:
        return (
            f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000 "
            f"+ CAST(substr({column}, 21, 6) AS INTEGER))"
        )

    waited = f"({micro(later)} - {micro(earlier)})"
    return (
        f"(CASE WHEN {waited} >= 0 THEN {waited} / 60000000 "
        f"ELSE ({waited} - 59999999) / 60000000 END)"
    )


def _kept(minutes: str) -> str:
    """SQL for `timings.kept_minutes` of whole minutes (integer division truncates to zero)."""
    return (
        f"(CASE WHEN abs({minutes}) < 1000 THEN {minutes} "
        f"WHEN abs({minutes}) < 10000 THEN {minutes} / 10 * 10 "
        f"WHEN abs({minutes}) < 100000 THEN {minutes} / 100 * 100 "
        f"ELSE {minutes} / 1000 * 1000 END)"
    )


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _fill_statements(dialect: str) -> list[str]:
    """Return the INSERTs that fill the (empty) kept timing tables from the requests."""
    scope = "substr(coalesce(r.area_code, ''), 1, d.depth)"
    scoped = f"JOIN ({DEPTHS}) d ON d.depth = 0 OR length(r.area_code) >= d.depth"
    days = (
        "INSERT INTO help_request_days (depth, scope, day, incident_id, posted, finished) "
        f"SELECT d.depth, {scope}, r.day, r.incident_id, sum(r.posted), sum(r.finished) FROM ("
        f"SELECT area_code, incident_id, {_day(dialect, 'created_at')} AS day, 1 AS posted, "
        "0 AS finished FROM help_requests UNION ALL "
        f"SELECT area_code, incident_id, {_day(dialect, 'closed_at')}, 0, 1 FROM help_requests "
        f"WHERE status IN ({_quoted(FINAL)}) AND closed_at IS NOT NULL"
        f") r {scoped} GROUP BY d.depth, {scope}, r.day, r.incident_id"
    )
    first_takes = (
        "SELECT request_id, min(at) AS at FROM help_request_events "
        f"WHERE kind IN ({_quoted(TAKES)}) GROUP BY request_id"
    )
    waits = (
        f"SELECT h.area_code, h.incident_id, 'claim' AS measure, {_day(dialect, 't.at')} AS day, "
        f"{_minutes(dialect, 't.at', 'h.created_at')} AS minutes "
        f"FROM help_requests h JOIN ({first_takes}) t ON t.request_id = h.id UNION ALL "
        f"SELECT area_code, incident_id, 'resolve', {_day(dialect, 'closed_at')}, "
        f"{_minutes(dialect, 'closed_at', 'created_at')} FROM help_requests "
        "WHERE status = 'resolved' AND closed_at IS NOT NULL"
    )
    kept = _kept("w.minutes")
    durations = (
        "INSERT INTO help_request_durations "
        "(depth, scope, day, measure, minutes, incident_id, count) "
        f"SELECT d.depth, {scope}, r.day, r.measure, r.minutes, r.incident_id, count(*) FROM ("
        f"SELECT w.area_code, w.incident_id, w.measure, w.day, {kept} AS minutes FROM ({waits}) w"
        f") r {scoped} GROUP BY d.depth, {scope}, r.day, r.measure, r.minutes, r.incident_id"
    )
    totals = (
        "INSERT INTO help_request_duration_totals "
        "(depth, scope, measure, minutes, incident_id, count) "
        "SELECT depth, scope, measure, minutes, incident_id, sum(count) "
        "FROM help_request_durations GROUP BY depth, scope, measure, minutes, incident_id"
    )
    return [days, durations, totals]


def _keys(*names: str) -> list[sa.Column]:
    """Return the key columns of a kept table, in stored order."""
    types = {
        "depth": sa.SmallInteger(),
        "scope": sa.String(length=16),
        "day": sa.Date(),
        "measure": sa.String(length=8),
        "minutes": sa.Integer(),
        "incident_id": sa.Integer(),
    }
    return [sa.Column(name, types[name], nullable=False) for name in names]


def upgrade() -> None:
    """Create the kept timing tables and count every request into them."""
    op.create_table(
        "help_request_days",
        *_keys("depth", "scope", "day", "incident_id"),
        sa.Column("posted", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("depth", "scope", "day", "incident_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "help_request_durations",
        *_keys("depth", "scope", "day", "measure", "minutes", "incident_id"),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("depth", "scope", "day", "measure", "minutes", "incident_id"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "help_request_duration_totals",
        *_keys("depth", "scope", "measure", "minutes", "incident_id"),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("depth", "scope", "measure", "minutes", "incident_id"),
        sqlite_with_rowid=False,
    )
    for statement in _fill_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.create_index("ix_help_request_events_actor_id_at", "help_request_events", ["actor_id", "at"])
    past_sla = sa.text("status = 'open' AND sla_breached_at IS NOT NULL")
    op.create_index(
        "ix_help_requests_past_sla_created_at",
        "help_requests",
        ["created_at", "id"],
        postgresql_where=past_sla,
        sqlite_where=past_sla,
    )


def downgrade() -> None:
    """Drop the kept timing tables and the indexes."""
    op.drop_index("ix_help_requests_past_sla_created_at", table_name="help_requests")
    op.drop_index("ix_help_request_events_actor_id_at", table_name="help_request_events")
    for table in ("help_request_duration_totals", "help_request_durations", "help_request_days"):
        op.drop_table(table)
