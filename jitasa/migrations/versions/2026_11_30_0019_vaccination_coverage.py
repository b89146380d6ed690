"""Vaccination coverage: population and people given each dose, per area and date.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create vaccination_coverage, one row per (area_code, as_of)."""
    op.create_table(
        "vaccination_coverage",
        sa.Column("area_code", sa.String(length=8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("dose_1", sa.Integer(), nullable=False),
        sa.Column("dose_2", sa.Integer(), nullable=False),
        sa.Column("dose_3", sa.Integer(), nullable=False),
        sa.Column("booster", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "as_of", name=op.f("pk_vaccination_coverage")),
    )


def downgrade() -> None:
    """Drop vaccination_coverage."""
    op.drop_table("vaccination_coverage")
