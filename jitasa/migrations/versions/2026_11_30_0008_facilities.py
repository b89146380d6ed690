"""Facilities with their types (seeded), capacity per resource and history; scoped API tokens.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# product.md P4's types, with their Thai names (thai.md) and the glyph of their map marker.
TYPES = [
    ("hospital", "โรงพยาบาล", "Hospital", "✚"),
    ("field_hospital", "โรงพยาบาลสนาม", "Field hospital", "⚕"),
    ("community_isolation", "ศูนย์พักคอย", "Community isolation (waiting centre)", "⌂"),
    ("screening_point", "จุดตรวจคัดกรอง", "Screening / test point", "⚗"),
    ("vaccination_point", "จุดฉีดวัคซีน", "Vaccination point", "V"),
    ("oxygen_refill", "จุดเติมออกซิเจน", "Oxygen refill point", "O₂"),
    ("supply_point", "จุดแจกจ่ายสิ่งของ", "Supply distribution point", "▣"),
    ("cremation_temple", "วัดรับฌาปนกิจ", "Temple accepting cremations", "☸"),
    ("other", "อื่น ๆ", "Other", "●"),
]


def upgrade() -> None:
    """Create the facilities' tables, seed the types, and give API tokens a scope."""
    types = op.create_table(
        "facility_types",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_th", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("icon", sa.String(length=8), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_facility_types")),
    )
    op.bulk_insert(
        types,
        [
            {"code": c, "name_th": th, "name_en": en, "icon": icon, "position": i}
            for i, (c, th, en, icon) in enumerate(TYPES)
        ],
    )
    op.create_table(
        "facilities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("cell_lat", sa.Float(), nullable=False),
        sa.Column("cell_lon", sa.Float(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("area_code", sa.String(length=8), nullable=True),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("opening_hours", sa.String(length=200), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("free_green", sa.Integer(), nullable=False),
        sa.Column("free_yellow", sa.Integer(), nullable=False),
        sa.Column("free_red", sa.Integer(), nullable=False),
        sa.Column("free_colours", sa.String(length=24), nullable=False),
        sa.Column("capacity_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_facilities_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["type"], ["facility_types.code"], name=op.f("fk_facilities_type_facility_types")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_facilities_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facilities")),
        sa.UniqueConstraint("source", "external_id", name=op.f("uq_facilities_source")),
    )
    with op.batch_alter_table("facilities", schema=None) as batch_op:
        for columns in (
            ["type"],
            ["status"],
            ["province_code"],
            ["area_code"],
            ["free_green"],
            ["free_yellow"],
            ["free_red"],
            ["updated_at"],
        ):
            batch_op.create_index(batch_op.f(f"ix_facilities_{columns[0]}"), columns, unique=False)
        batch_op.create_index("ix_facilities_lat_lon", ["lat", "lon"], unique=False)
        batch_op.create_index(
            "ix_facilities_cell_lat_cell_lon", ["cell_lat", "cell_lon"], unique=False
        )
    op.create_table(
        "facility_capacity",
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=40), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("available", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "available >= 0", name=op.f("ck_facility_capacity_available_not_negative")
        ),
        sa.CheckConstraint(
            "available <= total", name=op.f("ck_facility_capacity_available_within_total")
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_facility_capacity_facility_id_facilities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("facility_id", "resource", name=op.f("pk_facility_capacity")),
    )
    op.create_table(
        "facility_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_facility_history_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["facility_id"],
            ["facilities.id"],
            name=op.f("fk_facility_history_facility_id_facilities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facility_history")),
    )
    with op.batch_alter_table("facility_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_facility_history_facility_id"), ["facility_id"], unique=False
        )
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("scope", sa.String(length=40), nullable=True))


def downgrade() -> None:
    """Drop the facilities' tables and the tokens' scope."""
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("scope")
    op.drop_table("facility_history")
    op.drop_table("facility_capacity")
    op.drop_table("facilities")
    op.drop_table("facility_types")
