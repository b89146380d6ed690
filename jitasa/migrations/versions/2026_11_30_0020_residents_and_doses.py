"""Residents registers per village and vaccine doses (matched by a national ID digest).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create residents and vaccination_doses."""
    op.create_table(
        "residents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_code", sa.String(length=8), nullable=False),
        sa.Column("household", sa.String(length=40), nullable=False),
        sa.Column("household_lat", sa.Float(), nullable=True),
        sa.Column("household_lon", sa.Float(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("chronic_disease", sa.Boolean(), nullable=False),
        sa.Column("pregnant", sa.Boolean(), nullable=False),
        sa.Column("national_id_hmac", sa.LargeBinary(length=32), nullable=False),
        sa.Column("national_id_masked", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_code"], ["areas.code"], name=op.f("fk_residents_village_code_areas")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("national_id_hmac", name=op.f("uq_residents_national_id_hmac")),
    )
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_residents_village_code"), ["village_code"])
        batch_op.create_index(batch_op.f("ix_residents_updated_at"), ["updated_at"])

    op.create_table(
        "vaccination_doses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("national_id_hmac", sa.LargeBinary(length=32), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("vaccine", sa.String(length=60), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_vaccination_doses_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vaccination_doses")),
        sa.UniqueConstraint(
            "national_id_hmac", "number", name="uq_vaccination_doses_person_number"
        ),
    )
    with op.batch_alter_table("vaccination_doses", schema=None) as batch_op:
        batch_op.create_index("ix_vaccination_doses_given_on", ["given_on"])


def downgrade() -> None:
    """Drop vaccination_doses and residents."""
    op.drop_table("vaccination_doses")
    op.drop_table("residents")
