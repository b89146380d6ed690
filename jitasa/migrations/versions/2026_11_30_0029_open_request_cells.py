"""The open requests' cell counts: how many open requests each ~500 m privacy cell holds.

Nearby sums the cells around a volunteer, nearest first, to know how far the nearest open
requests reach before it reads any request. The table is filled from the requests as they are;
`help_requests/open_cells.py` keeps it exact from then on.

Revision ID: 0029
Revises: 0027
Create Date: 2026-11-30 22:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the cell counts and count every open request into them."""
    op.create_table(
        "help_request_open_cells",
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("y", "x"),
        sqlite_with_rowid=False,
    )
    # Public pins are cell centres, (index + 0.5) × 0.005°: the index is the nearest integer.
    y = "CAST(round(public_lat / 0.005 - 0.5) AS INTEGER)"
    x = "CAST(round(public_lon / 0.005 - 0.5) AS INTEGER)"
    op.execute(
        f"INSERT INTO help_request_open_cells (y, x, count) SELECT {y}, {x}, count(*) "
        f"FROM help_requests WHERE status = 'open' GROUP BY {y}, {x}"
    )


def downgrade() -> None:
    """Drop the cell counts."""
    op.drop_table("help_request_open_cells")
