"""Rolling coverage rows up an area tree: pure functions on plain tuples, no database.

A figure is a tuple in `coverage.Figures` order: population, doses 1–3, booster, the newest
date among its rows, and its source ("import", "register", or "children" when summed). An
area's figure on a date is its own latest row on or before that date, else the sum of its
children's (see `coverage`'s module docstring for the whole rule).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

REGISTER = "register"  # the source of a village's figures counted from its residents register
SUMMED = "children"  # the source of a figure added up from the areas inside it


def parent_code(code: str) -> str:
    """Return the code of the area holding this one ("" for a province: the country)."""
    return code[:-2]


def _tree(codes: Iterable[str], top: str) -> tuple[dict[str, list[str]], list[str]]:
    """Return the areas between `top` and these codes: children by parent, deepest first."""
    children: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    for code in codes:
        while len(code) > len(top) and code not in seen:
            seen.add(code)
            children[parent_code(code)].append(code)
            code = parent_code(code)
    return children, sorted({top, *seen}, key=len, reverse=True)


# A village's figures counted from its residents register (a few households' health data,
# for the village's อสม. and area staff) are the village's own answer only: they are never
# read for an area above it, nor added into one. Otherwise a public total, less the sum of
# its public parts, gives a hidden village's figures away, and the trend above it shows the
# day of each dose its people got. Imported village figures (official aggregates) add up.


def _summed(code: str, own: dict) -> bool:
    """Tell whether a child area's figure counts in its parent's sum: not a register's."""
    return code not in own or own[code][6] != REGISTER


def roll_up(own: dict[str, tuple], children: dict[str, list[str]], order: list[str]) -> dict:
    """Return each area's figure as a tuple in `Figures` order, by code, deepest first.

    `own` holds each area's own latest row; an area without one gets its children's sum,
    figures counted from a residents register left out (`_summed`).
    """
    totals: dict[str, tuple] = {}
    for code in order:
        found = own.get(code)
        if found is None:
            parts = [totals[c] for c in children.get(code, ()) if c in totals and _summed(c, own)]
            if not parts:
                continue
            sums = (sum(column) for column in zip(*(part[:5] for part in parts), strict=True))
            found = (*sums, max(part[5] for part in parts), SUMMED)
        totals[code] = found
    return totals


def rolled(
    rows: Iterable[tuple], area: str, lone_rows: frozenset = frozenset()
) -> tuple[list[tuple], dict]:
    """Roll up rows of (code, date, figures in `Figures` order) by date under `area`.

    A register's row is read only for its own village's answer and its subdistrict's list
    (never summed there). A row inside an area below `area` with rows of its own is left out
    (that area's rows win, see `coverage`); when `area` has rows of its own, its trend has
    their dates only. Each
    history point is (date, figures, lone): `lone` is True when the figure is one village's
    rows alone (a village's, or of the (code, date) rows in `lone_rows`, or areas adding up
    one such); `totals` adds, under `LONE`, the codes whose figure is on the last date.
    """
    rows = [row for row in rows if row[0][:-2] == area or row[0] == area or row[2][6] != REGISTER]
    holders = {code for code, _day, _f in rows}
    by_date: dict[date, list[tuple]] = defaultdict(list)
    for code, day, figures in rows:
        if not any(code[:n] in holders for n in range(len(area) + 2, len(code), 2)):
            by_date[day].append((code, figures))
    children, order = _tree({code for day in by_date.values() for code, _f in day}, area)
    own_days = {day for day, found in by_date.items() if any(c == area for c, _f in found)}
    own: dict[str, tuple] = {}
    lone_own: set[str] = set()  # the codes whose own current row is one village's
    totals: dict[str, tuple] = {}
    history = []
    last = max(by_date, default=None)
    for day in sorted(by_date):
        for code, figures in by_date[day]:
            own[code] = figures
            if len(code) == 8 or (code, day) in lone_rows:
                lone_own.add(code)
            else:
                lone_own.discard(code)
        if own_days and day not in own_days and day != last:
            continue
        totals = roll_up(own, children, order)
        if area in totals and (not own_days or day in own_days):
            history.append((day, totals[area], area in _lone(own, lone_own, children, order)))
    if own:
        totals[LONE] = _lone(own, lone_own, children, order)
    return history, totals


LONE = "lone"  # the key, among the roll-up's totals, of the codes whose figure is one village's


def _lone(
    own: dict, lone_own: set[str], children: dict[str, list[str]], order: list[str]
) -> frozenset[str]:
    """Return the codes whose figure is made of one village's rows alone (see `roll_up`)."""
    single: dict[str, str | None] = {}
    for code in order:
        if code in own:
            single[code] = code if code in lone_own else None
            continue
        parts = [single[c] for c in children.get(code, ()) if c in single and _summed(c, own)]
        if parts:
            single[code] = parts[0] if len(parts) == 1 else None
    return frozenset(code for code, village in single.items() if village)
