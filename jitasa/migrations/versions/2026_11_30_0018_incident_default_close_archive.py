"""Incidents: a default chosen on purpose (exactly one), closing and archiving.

Until now the newest active incident silently became the default, so one stray incident made
every SOS without `incident` fail. The default becomes a flag: COVID-19 when it is active,
otherwise the newest active incident (what requests joined until now).

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-30 11:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None

INCIDENTS = sa.table(
    "incidents",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("is_default", sa.Boolean),
)


def upgrade() -> None:
    """Add is_default (one at most), closed_at and archived_at; choose the default."""
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    chosen = connection.scalar(
        sa.select(INCIDENTS.c.id).where(
            INCIDENTS.c.code == "covid-19", INCIDENTS.c.active.is_(True)
        )
    ) or connection.scalar(
        sa.select(INCIDENTS.c.id)
        .where(INCIDENTS.c.active.is_(True))
        .order_by(INCIDENTS.c.id.desc())
        .limit(1)
    )
    if chosen is not None:
        op.execute(INCIDENTS.update().where(INCIDENTS.c.id == chosen).values(is_default=True))
    op.create_index(
        "uq_incidents_one_default",
        "incidents",
        ["is_default"],
        unique=True,
        sqlite_where=sa.text("is_default"),
        postgresql_where=sa.text("is_default"),
    )


def downgrade() -> None:
    """Drop the default flag and the closing and archiving times."""
    op.drop_index("uq_incidents_one_default", table_name="incidents")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("archived_at")
        batch.drop_column("closed_at")
        batch.drop_column("is_default")
