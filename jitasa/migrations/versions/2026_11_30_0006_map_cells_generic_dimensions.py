"""Map cells keyed by each layer's own dimensions (d1, d2, d3), with its measures (m1, m2, m3).

The counts are derived data: the table is made again empty, and `db upgrade` recounts every
layer when it finds no cells (`jitasa.migrate`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _create(dimensions: list[tuple[str, int]], measures: list[str]) -> None:
    """Create map_cells with these dimension columns in its key, and these measure sums."""
    op.create_table(
        "map_cells",
        sa.Column("layer", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.String(length=size), nullable=False) for name, size in dimensions),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("sum_lat", sa.Float(), nullable=False),
        sa.Column("sum_lon", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in measures),
        sa.PrimaryKeyConstraint(
            "layer",
            "province_code",
            "level",
            "x",
            "y",
            *(name for name, _size in dimensions),
            name=op.f("pk_map_cells"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_map_cells_rows", "map_cells", ["layer", "province_code", "level", "y", "x"])


def _drop() -> None:
    """Drop map_cells and its row index."""
    op.drop_index("ix_map_cells_rows", table_name="map_cells")
    op.drop_table("map_cells")


def upgrade() -> None:
    """Apply this migration."""
    _drop()
    _create([("d1", 40), ("d2", 40), ("d3", 40)], ["m1", "m2", "m3"])


def downgrade() -> None:
    """Revert this migration (the counts are rebuilt by `jitasa db recount-map`)."""
    _drop()
    _create([("category", 40), ("urgency", 8), ("status", 16)], [])
