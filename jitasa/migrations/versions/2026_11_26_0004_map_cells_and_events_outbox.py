"""Per-cell counts for the map, the events outbox, and an index on public pins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 02:17:39.080012
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "map_cells",
        sa.Column("layer", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum_lat", sa.Float(), nullable=False),
        sa.Column("sum_lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "layer",
            "province_code",
            "level",
            "x",
            "y",
            "category",
            "urgency",
            "status",
            name=op.f("pk_map_cells"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_map_cells_rows", "map_cells", ["layer", "province_code", "level", "y", "x"])
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("area_code", sa.String(length=10), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("public", sa.JSON(), nullable=False),
        sa.Column("full", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_events_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outbox_events_published_at"), ["published_at"], unique=False
        )

    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_help_requests_public_lat_public_lon", ["public_lat", "public_lon"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_help_requests_public_lat_public_lon")

    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_events_published_at"))
        batch_op.drop_index(batch_op.f("ix_outbox_events_at"))

    op.drop_table("outbox_events")
    op.drop_index("ix_map_cells_rows", table_name="map_cells")
    op.drop_table("map_cells")
