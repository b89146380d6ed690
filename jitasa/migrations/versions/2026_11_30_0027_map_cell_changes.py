"""The log of national cell-count changes each process's in-memory cluster index follows.

Every commit that changes the map's counts also writes what it added to the national cells;
other processes read it within a second. It starts empty: an index is built from `map_cells`
at start, and follows the log from there.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create map_cell_changes."""
    op.create_table(
        "map_cell_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("rebuilt", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_map_cell_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("map_cell_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_map_cell_changes_at"), ["at"], unique=False)


def downgrade() -> None:
    """Drop map_cell_changes."""
    with op.batch_alter_table("map_cell_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_map_cell_changes_at"))
    op.drop_table("map_cell_changes")
