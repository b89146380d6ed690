"""Kept roll-up of vaccination coverage per province and date, for the country's answer.

The country's coverage added up every row of every area on every date (about 1.4–2.5 s after
any change at 7,436 subdistricts × 3 dates); it now adds up 77 provinces a date from
`vaccination_coverage_rollup`, kept by whatever changes `vaccination_coverage`. The table is
filled here from the rows already stored, with the same rule as the application: an area's
figure on a date is its own latest row on or before it, else the sum of its children's.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 19:10:00
"""

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

COUNTS = ("population", "dose_1", "dose_2", "dose_3", "booster")


def upgrade() -> None:
    """Create vaccination_coverage_rollup and fill it from vaccination_coverage."""
    rollup = op.create_table(
        "vaccination_coverage_rollup",
        sa.Column("area_code", sa.String(length=2), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.Column("latest", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("area_code", "as_of", name=op.f("pk_vaccination_coverage_rollup")),
    )
    rows = op.get_bind().execute(
        sa.text(
            "SELECT area_code, population, dose_1, dose_2, dose_3, booster, as_of, source "
            "FROM vaccination_coverage ORDER BY as_of, area_code"
        )
    )
    by_province: dict[str, list[tuple]] = defaultdict(list)
    for code, *figures in rows:
        by_province[code[:2]].append((code, tuple(figures)))
    now = datetime.now(UTC)
    for province, found in by_province.items():
        values = [
            {**dict(zip(COUNTS, f[:5], strict=True)), "area_code": province, "as_of": day,
             "latest": f[5], "source": f[6], "updated_at": now}
            for day, f in _history(found, province)
        ]  # fmt: skip
        op.bulk_insert(rollup, values)


def _history(rows: list[tuple], top: str) -> list[tuple]:
    """Return the figure of `top` on each date of its rows: (date, figures), oldest first."""
    by_date: dict = defaultdict(list)
    for code, figures in rows:
        by_date[_as_date(figures[5])].append(
            (code, (*figures[:5], _as_date(figures[5]), figures[6]))
        )
    children: dict[str, set[str]] = defaultdict(set)
    for code, _f in rows:
        while len(code) > len(top):
            children[code[:-2]].add(code)
            code = code[:-2]
    order = sorted({top, *(c for kids in children.values() for c in kids)}, key=len, reverse=True)
    own: dict[str, tuple] = {}
    history = []
    for day in sorted(by_date):
        own.update(by_date[day])
        totals: dict[str, tuple] = {}
        for code in order:
            found = own.get(code)
            if found is None:
                parts = [totals[c] for c in children.get(code, ()) if c in totals]
                if not parts:
                    continue
                sums = tuple(sum(p[i] for p in parts) for i in range(5))
                found = (*sums, max(p[5] for p in parts), "children")
            totals[code] = found
        history.append((day, totals[top]))
    return history


def _as_date(value):
    """SQLite answers a DATE column as text through a bare SELECT."""
    return datetime.strptime(value, "%Y-%m-%d").date() if isinstance(value, str) else value


def downgrade() -> None:
    """Drop vaccination_coverage_rollup."""
    op.drop_table("vaccination_coverage_rollup")
