"""Volunteers' refusals: when, why and by whom a coordinator declined to verify them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 08:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add volunteers.refused_at, refusal_reason and refused_by_id (a user, kept if deleted)."""
    with op.batch_alter_table("volunteers") as batch:
        batch.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("refusal_reason", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("refused_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_volunteers_refused_by_id_users"),
            "users",
            ["refused_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    """Drop the refusal columns."""
    with op.batch_alter_table("volunteers") as batch:
        batch.drop_constraint(op.f("fk_volunteers_refused_by_id_users"), type_="foreignkey")
        batch.drop_column("refused_by_id")
        batch.drop_column("refusal_reason")
        batch.drop_column("refused_at")
