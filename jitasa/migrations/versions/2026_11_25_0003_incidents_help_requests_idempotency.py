"""Incidents with categories, help requests with their timeline, idempotent responses.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 21:04:13.284618
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""

    op.create_table(
        "idempotent_responses",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", "scope", name=op.f("pk_idempotent_responses")),
    )
    with op.batch_alter_table("idempotent_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotent_responses_created_at"), ["created_at"], unique=False
        )

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("sla_minutes", sa.JSON(), nullable=False),
        sa.Column("expiry_hours", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("code", name=op.f("uq_incidents_code")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_active"), ["active"], unique=False)

    op.create_table(
        "incident_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_th", sa.String(length=120), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("medical", sa.Boolean(), nullable=False),
        sa.Column("transport", sa.Boolean(), nullable=False),
        sa.Column("icon", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_categories_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_categories")),
        sa.UniqueConstraint("incident_id", "code", name=op.f("uq_incident_categories_incident_id")),
    )
    with op.batch_alter_table("incident_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_categories_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "help_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("medical", sa.Boolean(), nullable=False),
        sa.Column("urgency", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("public_lat", sa.Float(), nullable=False),
        sa.Column("public_lon", sa.Float(), nullable=False),
        sa.Column("province_code", sa.String(length=2), nullable=True),
        sa.Column("district_code", sa.String(length=4), nullable=True),
        sa.Column("subdistrict_code", sa.String(length=6), nullable=True),
        sa.Column("area_code", sa.String(length=8), nullable=True),
        sa.Column("address_text", sa.Text(), nullable=False),
        sa.Column("people_count", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_phone", sa.String(length=16), nullable=False),
        sa.Column("for_someone_else", sa.Boolean(), nullable=False),
        sa.Column("consent_version", sa.String(length=16), nullable=True),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requester_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=24), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("sla_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale_flagged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_help_requests_area_code_areas")
        ),
        sa.ForeignKeyConstraint(
            ["claimed_by_id"],
            ["users.id"],
            name=op.f("fk_help_requests_claimed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_help_requests_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["help_requests.id"],
            name=op.f("fk_help_requests_merged_into_id_help_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["users.id"],
            name=op.f("fk_help_requests_requester_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_requests")),
        sa.UniqueConstraint("code", name=op.f("uq_help_requests_code")),
    )
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_help_requests_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_help_requests_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_help_requests_claimed_by_id"), ["claimed_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_help_requests_contact_phone_created_at",
            ["contact_phone", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_help_requests_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_help_requests_district_code"), ["district_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_help_requests_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_help_requests_province_code"), ["province_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_help_requests_requester_id"), ["requester_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_help_requests_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_help_requests_status_lat_lon", ["status", "lat", "lon"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_help_requests_subdistrict_code"), ["subdistrict_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_help_requests_urgency"), ["urgency"], unique=False)

    op.create_table(
        "help_request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=24), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_help_request_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["help_requests.id"],
            name=op.f("fk_help_request_events_request_id_help_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_request_events")),
    )
    with op.batch_alter_table("help_request_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_help_request_events_request_id"), ["request_id"], unique=False
        )


def downgrade() -> None:
    """Revert this migration."""

    with op.batch_alter_table("help_request_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_request_events_request_id"))

    op.drop_table("help_request_events")
    with op.batch_alter_table("help_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_help_requests_urgency"))
        batch_op.drop_index(batch_op.f("ix_help_requests_subdistrict_code"))
        batch_op.drop_index("ix_help_requests_status_lat_lon")
        batch_op.drop_index(batch_op.f("ix_help_requests_status"))
        batch_op.drop_index(batch_op.f("ix_help_requests_requester_id"))
        batch_op.drop_index(batch_op.f("ix_help_requests_province_code"))
        batch_op.drop_index(batch_op.f("ix_help_requests_incident_id"))
        batch_op.drop_index(batch_op.f("ix_help_requests_district_code"))
        batch_op.drop_index(batch_op.f("ix_help_requests_created_at"))
        batch_op.drop_index("ix_help_requests_contact_phone_created_at")
        batch_op.drop_index(batch_op.f("ix_help_requests_claimed_by_id"))
        batch_op.drop_index(batch_op.f("ix_help_requests_category"))
        batch_op.drop_index(batch_op.f("ix_help_requests_area_code"))

    op.drop_table("help_requests")
    with op.batch_alter_table("incident_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_categories_incident_id"))

    op.drop_table("incident_categories")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_active"))

    op.drop_table("incidents")
    with op.batch_alter_table("idempotent_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotent_responses_created_at"))

    op.drop_table("idempotent_responses")
