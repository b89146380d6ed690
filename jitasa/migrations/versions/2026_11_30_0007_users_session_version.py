"""Users' session version: a sign-in cookie holds it, and bumping it ends every session.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 06:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add users.session_version, 0 for everyone (cookies without it are ended by the code)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    """Drop users.session_version."""
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
