"""Patient and body transport: triage colour, mobility, destination and the bed it holds.

Revision ID: 0015
Revises: 0013
Create Date: 2026-11-30 11:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add help_requests.triage_colour, mobility, destination_id (a facility) and bed_state."""
    with op.batch_alter_table("help_requests") as batch:
        batch.add_column(sa.Column("triage_colour", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("mobility", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("destination_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("bed_state", sa.String(length=12), nullable=True))
        batch.create_foreign_key(
            op.f("fk_help_requests_destination_id_facilities"),
            "facilities",
            ["destination_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index(
            op.f("ix_help_requests_destination_id"), ["destination_id"], unique=False
        )


def downgrade() -> None:
    """Drop the transport columns."""
    with op.batch_alter_table("help_requests") as batch:
        batch.drop_index(op.f("ix_help_requests_destination_id"))
        batch.drop_constraint(
            op.f("fk_help_requests_destination_id_facilities"), type_="foreignkey"
        )
        batch.drop_column("bed_state")
        batch.drop_column("destination_id")
        batch.drop_column("mobility")
        batch.drop_column("triage_colour")
