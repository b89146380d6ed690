"""Incidents' hotlines, and the category name thai.md chose for transport of the deceased.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# The hotlines of each kind as they were when this migration was written (thai.md); later
# changes to the code's defaults do not rewrite incidents that already exist.
MEDICAL = {"number": "1669", "name_th": "เจ็บป่วยฉุกเฉิน (สพฉ.)", "name_en": "Medical emergency"}
POLICE = {"number": "191", "name_th": "ตำรวจ", "name_en": "Police"}
FIRE = {"number": "199", "name_th": "ดับเพลิงและกู้ภัย", "name_en": "Fire and rescue"}
NHSO = {
    "number": "1330",
    "name_th": "สปสช. หาเตียง แยกกักตัวที่บ้าน",
    "name_en": "NHSO: beds, home isolation",
}
MENTAL = {"number": "1323", "name_th": "สุขภาพจิต", "name_en": "Mental health"}
DISASTER = {"number": "1784", "name_th": "สาธารณภัย (ปภ.)", "name_en": "Disaster relief (DDPM)"}
DAMRONGDHAM = {"number": "1567", "name_th": "ศูนย์ดำรงธรรม", "name_en": "Damrongdhama Centre"}
SOCIAL = {
    "number": "1300",
    "name_th": "ผู้ประสบปัญหาทางสังคม (พม.)",
    "name_en": "People in social distress",
}
BY_KIND = {
    "epidemic": [MEDICAL, NHSO, MENTAL, POLICE, FIRE],
    "flood": [MEDICAL, DISASTER, FIRE, POLICE, DAMRONGDHAM, SOCIAL],
    "disaster": [MEDICAL, DISASTER, FIRE, POLICE, DAMRONGDHAM, SOCIAL],
    "haze": [MEDICAL, DISASTER, POLICE, FIRE],
}
OTHERS = [MEDICAL, POLICE, FIRE, SOCIAL]


def upgrade() -> None:
    """Add incidents.hotlines, filled by each incident's kind; rename รับส่งศพ."""
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("hotlines", sa.JSON(), nullable=True))
    incidents = sa.table("incidents", sa.column("kind", sa.String), sa.column("hotlines", sa.JSON))
    for kind, lines in BY_KIND.items():
        op.execute(incidents.update().where(incidents.c.kind == kind).values(hotlines=lines))
    op.execute(incidents.update().where(incidents.c.hotlines.is_(None)).values(hotlines=OTHERS))
    with op.batch_alter_table("incidents") as batch:
        batch.alter_column("hotlines", existing_type=sa.JSON(), nullable=False)
    categories = sa.table(
        "incident_categories",
        sa.column("code", sa.String),
        sa.column("name_th", sa.String),
        sa.column("name_en", sa.String),
    )
    op.execute(
        categories.update()
        .where(categories.c.code == "body_transport", categories.c.name_th == "รับส่งศพ")
        .values(name_th="เคลื่อนย้ายร่างผู้เสียชีวิต", name_en="Transport of the deceased")
    )


def downgrade() -> None:
    """Drop incidents.hotlines and give the category its old name."""
    categories = sa.table(
        "incident_categories",
        sa.column("code", sa.String),
        sa.column("name_th", sa.String),
        sa.column("name_en", sa.String),
    )
    op.execute(
        categories.update()
        .where(
            categories.c.code == "body_transport",
            categories.c.name_th == "เคลื่อนย้ายร่างผู้เสียชีวิต",
        )
        .values(name_th="รับส่งศพ", name_en="Body transport")
    )
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("hotlines")
