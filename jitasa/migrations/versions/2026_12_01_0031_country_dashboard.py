"""The whole country's dashboard without a pass per volunteer or per capacity row: the day's
actors on the timeline, an index of volunteers by area and verification, and each facility's
beds in all by colour; filled from the stored rows.

Whether a volunteer acted on a day was one seek of the timeline per volunteer (100,000 for the
country); the day's actors are now kept (`help_requests/actor_days.py`, whose fill statement is
copied here). The capacity board joined every capacity row to its facility; a facility now keeps
its beds in all by colour beside its free beds (`facilities.service.keep_bed_counts`), and the
beds held for transports are found through a partial index of the requests holding one. On
PostgreSQL, a week of kept waits is read from an index holding what the dashboard reads (the
table's rows lie scattered over thousands of pages).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

COLOURS = ("green", "yellow", "red")
DURATIONS_INDEX = "ix_help_request_durations_depth_scope_day"
RESERVED_INDEX = "ix_help_requests_reserved_destination_id"
RESERVED_ROWS = "bed_state = 'reserved'"


def _day(dialect: str, column: str) -> str:
    """SQL for the Bangkok day of a stored UTC moment."""
    if dialect == "postgresql":
        return f"(({column} AT TIME ZONE 'UTC') + interval '7 hours')::date"
    return f"date({column}, '+7 hours')"


def upgrade() -> None:
    """Create the table, index and columns, and fill them."""
    op.create_table(
        "help_request_actor_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_help_request_actor_days_actor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", "actor_id", name=op.f("pk_help_request_actor_days")),
        sqlite_with_rowid=False,
    )
    dialect = op.get_bind().dialect.name
    op.execute(
        "INSERT INTO help_request_actor_days (day, actor_id) "
        f"SELECT DISTINCT {_day(dialect, 'at')}, actor_id FROM help_request_events "
        "WHERE actor_id IS NOT NULL"
    )
    op.create_index(
        "ix_volunteers_area_code_verified_at", "volunteers", ["area_code", "verified_at"]
    )
    op.create_index(
        RESERVED_INDEX,
        "help_requests",
        ["destination_id"],
        postgresql_where=sa.text(RESERVED_ROWS),
        sqlite_where=sa.text(RESERVED_ROWS),
    )
    if dialect == "postgresql":  # SQLite stores the table by its key, a week in one run
        op.create_index(
            DURATIONS_INDEX,
            "help_request_durations",
            ["depth", "scope", "day"],
            postgresql_include=["measure", "minutes", "incident_id", "count"],
        )
    for colour in COLOURS:
        op.add_column(
            "facilities",
            sa.Column(f"beds_{colour}", sa.Integer(), nullable=False, server_default="0"),
        )
        op.execute(
            f"UPDATE facilities SET beds_{colour} = coalesce(("
            "SELECT total FROM facility_capacity c "
            f"WHERE c.facility_id = facilities.id AND c.resource = 'beds_{colour}'), 0)"
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("facilities") as batch_op:
        for colour in COLOURS:
            batch_op.drop_column(f"beds_{colour}")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(DURATIONS_INDEX, table_name="help_request_durations")
    op.drop_index(RESERVED_INDEX, table_name="help_requests")
    op.drop_index("ix_volunteers_area_code_verified_at", table_name="volunteers")
    op.drop_table("help_request_actor_days")
