"""Kept coverage roll-up: rows inside an area with rows of its own count for nothing above it.

An area's figure was its own latest row on or before a date, else its children's sum, so a
district with imported figures took the figures of a register village inside it on dates
before its import, and every dose date inside it as a trend date. Now an area with rows of its
own is made of them alone, and the roll-up keeps whether a figure is one village's rows alone
(`lone`, hidden from the public like a village's). The table is made again from the rows.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 20:00:00
"""

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

COUNTS = ("population", "dose_1", "dose_2", "dose_3", "booster")
TABLE = "vaccination_coverage_rollup"


def upgrade() -> None:
    """Add `lone` and fill vaccination_coverage_rollup again from vaccination_coverage."""
    op.add_column(TABLE, sa.Column("lone", sa.Boolean(), nullable=False, server_default=sa.false()))
    rollup = sa.table(
        TABLE,
        sa.column("area_code", sa.String),
        sa.column("as_of", sa.Date),
        *(sa.column(name, sa.Integer) for name in COUNTS),
        sa.column("latest", sa.Date),
        sa.column("source", sa.String),
        sa.column("lone", sa.Boolean),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    bind.execute(sa.text(f"DELETE FROM {TABLE}"))
    rows = bind.execute(
        sa.text(
            "SELECT area_code, population, dose_1, dose_2, dose_3, booster, as_of, source "
            "FROM vaccination_coverage ORDER BY as_of, area_code"
        )
    )
    by_province: dict[str, list[tuple]] = defaultdict(list)
    for code, *figures in rows:
        by_province[code[:2]].append((code, (*figures[:5], _as_date(figures[5]), figures[6])))
    now = datetime.now(UTC)
    for province, found in by_province.items():
        values = [
            {**dict(zip(COUNTS, f[:5], strict=True)), "area_code": province, "as_of": day,
             "latest": f[5], "source": f[6], "lone": lone, "updated_at": now}
            for day, f, lone in _history(found, province)
        ]  # fmt: skip
        if values:
            op.bulk_insert(rollup, values)


def _history(rows: list[tuple], top: str) -> list[tuple]:
    """Return (date, figures, lone) of `top` on each date of the rows making it up."""
    holders = {code for code, _f in rows}
    kept = [
        (code, f) for code, f in rows
        if not any(code[:n] in holders for n in range(len(top) + 2, len(code), 2))
    ]  # fmt: skip
    by_date: dict = defaultdict(list)
    for code, figures in kept:
        by_date[figures[5]].append((code, figures))
    children: dict[str, set[str]] = defaultdict(set)
    for code, _f in kept:
        while len(code) > len(top):
            children[code[:-2]].add(code)
            code = code[:-2]
    order = sorted({top, *(c for kids in children.values() for c in kids)}, key=len, reverse=True)
    own_days = {f[5] for code, f in kept if code == top}  # then its own rows alone
    own: dict[str, tuple] = {}
    history = []
    for day in sorted(by_date):
        own.update(by_date[day])
        if own_days and day not in own_days:
            continue
        totals: dict[str, tuple] = {}
        single: dict[str, str | None] = {}
        for code in order:
            found = own.get(code)
            if found is not None:
                single[code] = code if len(code) == 8 else None
            else:
                parts = [c for c in children.get(code, ()) if c in totals]
                if not parts:
                    continue
                sums = tuple(sum(totals[c][i] for c in parts) for i in range(5))
                found = (*sums, max(totals[c][5] for c in parts), "children")
                single[code] = single[parts[0]] if len(parts) == 1 else None
            totals[code] = found
        if top in totals:
            history.append((day, totals[top], bool(single.get(top))))
    return history


def _as_date(value):
    """SQLite answers a DATE column as text through a bare SELECT."""
    return datetime.strptime(value, "%Y-%m-%d").date() if isinstance(value, str) else value


def downgrade() -> None:
    """Drop `lone` (the rows stay as made by the new rule until the next change)."""
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("lone")
