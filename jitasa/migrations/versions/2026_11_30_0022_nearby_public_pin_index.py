"""Nearby reads open requests by public pin: (status, public_lat, public_lon) replaces the index
on exact pins.

`open_near` seeks one row of public cells at a time (`status = 'open' AND public_lat IN (…) AND
public_lon BETWEEN …`), so the rows read are the box's, not the whole band of latitude the old
(status, lat, lon) index gave. Nothing else read that index.

Revision ID: 0022
Revises: 0020
Create Date: 2026-11-30 14:50:00
"""

from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index open requests by public pin, and drop the index by exact pin."""
    with op.batch_alter_table("help_requests") as batch_op:
        batch_op.create_index(
            "ix_help_requests_status_public_lat_public_lon",
            ["status", "public_lat", "public_lon"],
            unique=False,
        )
        batch_op.drop_index("ix_help_requests_status_lat_lon")


def downgrade() -> None:
    """Index by exact pin again."""
    with op.batch_alter_table("help_requests") as batch_op:
        batch_op.create_index(
            "ix_help_requests_status_lat_lon", ["status", "lat", "lon"], unique=False
        )
        batch_op.drop_index("ix_help_requests_status_public_lat_public_lon")
