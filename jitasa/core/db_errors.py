"""Read what a database failure means, the same way on SQLite and PostgreSQL."""

import re

from sqlalchemy.exc import DBAPIError

from jitasa.core.db import Base

SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
SQLITE_MISSING = ("no such table", "no such column")
PG_UNIQUE_VIOLATION = "23505"
PG_UNDEFINED_TABLE, PG_UNDEFINED_COLUMN = "42P01", "42703"


def _driver_error(error: DBAPIError) -> BaseException | None:
    """Return the driver's own exception under SQLAlchemy's wrappers."""
    return getattr(error.orig, "driver_exception", None) or error.orig


def missing_schema(error: DBAPIError) -> bool:
    """Tell whether the database lacks a table or column: it was never (fully) migrated."""
    if getattr(error.orig, "sqlstate", None) in (PG_UNDEFINED_TABLE, PG_UNDEFINED_COLUMN):
        return True
    return str(error.orig).startswith(SQLITE_MISSING)


def unopenable_file(error: DBAPIError) -> bool:
    """Tell whether SQLite could not open its file (a missing folder, no permission)."""
    return str(error.orig).startswith("unable to open database file")


def _constraint_columns(table_name: str, constraint_name: str) -> list[str]:
    """Return the columns of a named unique constraint, key or index of a table."""
    table = Base.metadata.tables.get(table_name)
    if table is None:
        return []
    for constraint in [*table.constraints, *table.indexes]:
        if constraint.name == constraint_name:
            return [column.name for column in constraint.columns]
    return []


def unique_violation(error: DBAPIError) -> tuple[str, list[str]] | None:
    """Return (table, columns) of the unique rule an insert or update broke, if it was one."""
    if getattr(error.orig, "sqlstate", None) == PG_UNIQUE_VIOLATION:
        driver = _driver_error(error)
        table = getattr(driver, "table_name", None) or ""
        columns = _constraint_columns(table, getattr(driver, "constraint_name", None) or "")
        return (table, columns) if table and columns else None
    matched = SQLITE_UNIQUE.match(str(error.orig))
    if matched is None:
        return None
    qualified = [name.strip().split(".", 1) for name in matched.group(1).split(",")]
    return qualified[0][0], [column for _table, column in qualified]
