"""The requests' tallies: how many requests of each kind every area holds, kept exact; and
indexes that let the dashboard read only a week's requests and takes.

The dashboard and the desk sum an area's few tally rows instead of counting its requests. The
table is filled from the requests as they are.

Revision ID: 0024
Revises: 0022
Create Date: 2026-11-30 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

DEPTHS = (0, 2, 4, 6, 8)
INDEXES = (
    ("ix_help_requests_status_closed_at", ["status", "closed_at"]),
    ("ix_help_requests_status_created_at", ["status", "created_at"]),
    ("ix_help_requests_urgency_status_created_at", ["urgency", "status", "created_at"]),
)
EVENT_INDEXES = (
    ("ix_help_request_events_kind_at", ["kind", "at"]),
    ("ix_help_request_events_request_id_kind_at", ["request_id", "kind", "at"]),
)


def upgrade() -> None:
    """Create the tallies and count every request into them."""
    op.create_table(
        "help_request_tallies",
        sa.Column("depth", sa.SmallInteger(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("past_sla", sa.SmallInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "depth", "scope", "incident_id", "status", "category", "urgency", "past_sla"
        ),
        sqlite_with_rowid=False,
    )
    past = "CASE WHEN status = 'open' AND sla_breached_at IS NOT NULL THEN 1 ELSE 0 END"
    for depth in DEPTHS:
        scope = f"substr(area_code, 1, {depth})" if depth else "''"
        where = f"WHERE length(area_code) >= {depth}" if depth else ""
        by = f"{scope}, " if depth else ""
        op.execute(
            "INSERT INTO help_request_tallies (depth, scope, incident_id, status, category, "
            f"urgency, past_sla, count) SELECT {depth}, {scope}, incident_id, status, category, "
            f"urgency, {past}, count(*) FROM help_requests {where} "
            f"GROUP BY {by}incident_id, status, category, urgency, {past}"
        )

    for name, columns in INDEXES:
        op.create_index(name, "help_requests", columns)
    for name, columns in EVENT_INDEXES:
        op.create_index(name, "help_request_events", columns)


def downgrade() -> None:
    """Drop the tallies and the indexes."""
    for name, _columns in EVENT_INDEXES:
        op.drop_index(name, table_name="help_request_events")
    for name, _columns in INDEXES:
        op.drop_index(name, table_name="help_requests")
    op.drop_table("help_request_tallies")
