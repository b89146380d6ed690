"""The SQL that counts the kept timings from scratch (`timings.recount`; migration 0026 holds a
copy), on SQLite and PostgreSQL.

It computes what `timings.py` computes in Python, to the microsecond: the Bangkok day of a
moment (UTC + 7 hours, Bangkok keeps no summer time), whole minutes between two moments rounded
down, and `timings.kept_minutes`.
"""

from jitasa.help_requests import states

FINAL = tuple(sorted(status.value for status in states.FINAL))
TAKES = ("claimed", "assigned")
DEPTHS = (
    "SELECT 0 AS depth UNION ALL SELECT 2 UNION ALL SELECT 4 UNION ALL SELECT 6 UNION ALL SELECT 8"
)


def day_of(dialect: str, column: str) -> str:
    """SQL for the Bangkok day of a stored UTC moment."""
    if dialect == "postgresql":
        return f"(({column} AT TIME ZONE 'UTC') + interval '7 hours')::date"
    return f"date({column}, '+7 hours')"


def _minutes(dialect: str, later: str, earlier: str) -> str:
    """SQL for the whole minutes from `earlier` to `later`, rounded down."""
    if dialect == "postgresql":
        return f"floor(extract(epoch from ({later} - {earlier})) / 60)::bigint"

    # SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds, then the microseconds.
    def micro(column: str) -> str:
        return (
            f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000 "
            f"+ CAST(substr({column}, 21, 6) AS INTEGER))"
        )

    waited = f"({micro(later)} - {micro(earlier)})"
    return (
        f"(CASE WHEN {waited} >= 0 THEN {waited} / 60000000 "
        f"ELSE ({waited} - 59999999) / 60000000 END)"
    )


def _kept(minutes: str) -> str:
    """SQL for `timings.kept_minutes` of whole minutes (integer division truncates to zero)."""
    return (
        f"(CASE WHEN abs({minutes}) < 1000 THEN {minutes} "
        f"WHEN abs({minutes}) < 10000 THEN {minutes} / 10 * 10 "
        f"WHEN abs({minutes}) < 100000 THEN {minutes} / 100 * 100 "
        f"ELSE {minutes} / 1000 * 1000 END)"
    )


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def fill_statements(dialect: str) -> list[str]:
    """Return the INSERTs that fill the (empty) kept timing tables from the requests."""
    scope = "substr(coalesce(r.area_code, ''), 1, d.depth)"
    scoped = f"JOIN ({DEPTHS}) d ON d.depth = 0 OR length(r.area_code) >= d.depth"
    days = (
        "INSERT INTO help_request_days (depth, scope, day, incident_id, posted, finished) "
        f"SELECT d.depth, {scope}, r.day, r.incident_id, sum(r.posted), sum(r.finished) FROM ("
        f"SELECT area_code, incident_id, {day_of(dialect, 'created_at')} AS day, 1 AS posted, "
        "0 AS finished FROM help_requests UNION ALL "
        f"SELECT area_code, incident_id, {day_of(dialect, 'closed_at')}, 0, 1 FROM help_requests "
        f"WHERE status IN ({_quoted(FINAL)}) AND closed_at IS NOT NULL"
        f") r {scoped} GROUP BY d.depth, {scope}, r.day, r.incident_id"
    )
    first_takes = (
        "SELECT request_id, min(at) AS at FROM help_request_events "
        f"WHERE kind IN ({_quoted(TAKES)}) GROUP BY request_id"
    )
    waits = (
        f"SELECT h.area_code, h.incident_id, 'claim' AS measure, {day_of(dialect, 't.at')} AS day, "
        f"{_minutes(dialect, 't.at', 'h.created_at')} AS minutes "
        f"FROM help_requests h JOIN ({first_takes}) t ON t.request_id = h.id UNION ALL "
        f"SELECT area_code, incident_id, 'resolve', {day_of(dialect, 'closed_at')}, "
        f"{_minutes(dialect, 'closed_at', 'created_at')} FROM help_requests "
        "WHERE status = 'resolved' AND closed_at IS NOT NULL"
    )
    kept = _kept("w.minutes")
    durations = (
        "INSERT INTO help_request_durations "
        "(depth, scope, day, measure, minutes, incident_id, count) "
        f"SELECT d.depth, {scope}, r.day, r.measure, r.minutes, r.incident_id, count(*) FROM ("
        f"SELECT w.area_code, w.incident_id, w.measure, w.day, {kept} AS minutes FROM ({waits}) w"
        f") r {scoped} GROUP BY d.depth, {scope}, r.day, r.measure, r.minutes, r.incident_id"
    )
    totals = (
        "INSERT INTO help_request_duration_totals "
        "(depth, scope, measure, minutes, incident_id, count) "
        "SELECT depth, scope, measure, minutes, incident_id, sum(count) "
        "FROM help_request_durations GROUP BY depth, scope, measure, minutes, incident_id"
    )
    return [days, durations, totals]
