"""Imported rows: digests of the keys of requests and volunteers already imported.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create imported_rows (kind, key_digest) → target_id."""
    op.create_table(
        "imported_rows",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key_digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key_digest", name=op.f("pk_imported_rows")),
    )


def downgrade() -> None:
    """Drop imported_rows."""
    op.drop_table("imported_rows")
