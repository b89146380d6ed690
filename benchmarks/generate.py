"""Benchmark data: help requests and volunteers spread like Thailand's people, loaded in bulk."""

import json
import resource
import time
from datetime import UTC
from itertools import product

import numpy as np
from sqlalchemy import JSON, delete, insert, literal, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.schema import CreateIndex, DropIndex

from benchmarks.facilities import COUNT as FACILITIES
from benchmarks.facilities import load_facilities
from benchmarks.population import Districts
from jitasa import models_registry
from jitasa.accounts.models import User, UserRole
from jitasa.areas.models import Area
from jitasa.core import geo
from jitasa.core.db import create_session_factory, utcnow
from jitasa.core.words import OTHER_URGENCIES, TRIAGE_COLOURS, Role
from jitasa.help_requests import actor_days, open_cells, tally, timings
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.schemas import CONSENT_VERSION
from jitasa.help_requests.service import CODE_ALPHABET
from jitasa.help_requests.states import CloseReason, Status
from jitasa.incidents import service as incidents_service
from jitasa.map import registry
from jitasa.volunteers.models import Vehicle, Volunteer, VolunteerKind

SEED = 2021
CHUNK = 50_000
KEPT_TABLES = {"areas", "incidents", "incident_categories", "facility_types"}
HOUR = 3600.0
DAY = 24 * HOUR
# Status mix of a month-old emergency: a third still waiting, most of the rest finished.
STATUS_MIX = {
    Status.OPEN: 0.30,
    Status.CLAIMED: 0.10,
    Status.IN_PROGRESS: 0.10,
    Status.RESOLVED: 0.30,
    Status.CANCELLED: 0.07,
    Status.CLOSED: 0.05,
    Status.EXPIRED: 0.08,
}
# Rough shares of the COVID-19 categories in 2021; a category not named here gets 1.
CATEGORY_MIX = {
    "food_supplies": 30,
    "medical_help": 14,
    "bed_admission": 12,
    "covid_test": 10,
    "patient_transport": 8,
    "medicine": 8,
    "oxygen": 6,
    "vaccination_help": 6,
    "other": 5,
    "body_transport": 1,
}
MEDICAL_URGENCY_MIX = (0.2, 0.4, 0.4)  # red, yellow, green
OTHER_URGENCY_MIX = (0.3, 0.7)  # urgent, normal
NAMES = ("สมชาย ใจดี", "สมหญิง รักไทย", "ประยูร ศรีสุข", "วิไล แก้วมณี", "อนันต์ ทองคำ", "มาลี บุญมา")
DESCRIPTIONS = (
    "ผู้ป่วยโควิด มีไข้ ไอ หายใจเหนื่อย รอเตียง",
    "ครอบครัวกักตัว ขาดอาหารและน้ำดื่ม",
    "ผู้สูงอายุอยู่คนเดียว ต้องการยาประจำตัว",
    "ต้องการรถรับส่งไปโรงพยาบาล",
    "ขอชุดตรวจ ATK สำหรับคนในบ้าน",
    "",
)
SKILLS = ("first_aid", "driving", "cooking", "english", "logistics", "nursing")
KIND_MIX = {VolunteerKind.VHV: 0.4, VolunteerKind.LOCAL_VOLUNTEER: 0.3, VolunteerKind.GENERAL: 0.3}
VERIFIED_SHARE = 0.6
_TRIPLES = ["".join(t) for t in product(CODE_ALPHABET, repeat=3)]


def tracking_code(row: int) -> str:
    """Return a unique code for row `row` (< 31⁶) that looks as random as service.new_code()."""
    # 3¹⁸ is coprime with 31⁶, so this is a bijection of [0, 31⁶).
    high, low = divmod((row * 387_420_489 + 123_456_789) % len(_TRIPLES) ** 2, len(_TRIPLES))
    return "JT-" + _TRIPLES[high] + _TRIPLES[low]


async def reset(engine: AsyncEngine) -> None:
    """Empty every table but the reference data (areas, incidents), so a load starts clean."""
    tables = [t for t in models_registry.Base.metadata.sorted_tables if t.name not in KEPT_TABLES]
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                await connection.execute(delete(table))


async def load(engine: AsyncEngine, table, columns: dict[str, list]) -> int:
    """Write columns of values into a table: COPY on PostgreSQL, executemany on SQLite."""
    names = list(columns)
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            driver = (await connection.get_raw_connection()).driver_connection
            async with driver.transaction():
                await driver.copy_records_to_table(
                    table.name, records=zip(*columns.values(), strict=True), columns=names
                )
        else:
            # Core compiles the INSERT, the driver runs it: SQLAlchemy's per-row parameter
            # handling costs more than SQLite's own work, so values are converted column-wise.
            dialect = connection.dialect
            converted = []
            for name, values in columns.items():
                convert = table.c[name].type.bind_processor(dialect)
                converted.append(list(map(convert, values)) if convert else values)
            statement = str(insert(table).compile(dialect=dialect, column_keys=names))
            await connection.exec_driver_sql(statement, list(zip(*converted, strict=True)))
    return len(columns[names[0]]) if names else 0


def _instants(now, seconds_ago: np.ndarray) -> list:
    """Return aware UTC datetimes `seconds_ago` before now (None where NaN)."""
    base = np.datetime64(now.replace(tzinfo=None), "us")
    stamps = base - np.nan_to_num(seconds_ago * 1e6).astype("timedelta64[us]")
    return [
        None if gone else stamp.replace(tzinfo=UTC)
        for stamp, gone in zip(stamps.tolist(), np.isnan(seconds_ago).tolist(), strict=True)
    ]


def _ages(statuses: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Return per-row ages in seconds: created, claimed (or NaN) and closed (or NaN)."""
    count = len(statuses)
    fraction = rng.uniform(0, 1, count)
    active = np.isin(statuses, [Status.OPEN, Status.CLAIMED, Status.IN_PROGRESS])
    expired = statuses == Status.EXPIRED
    # Active requests are recent (jobs expire them after 72 h, flag claims stale after 48 h).
    created = np.where(active, fraction * 48 * HOUR, fraction * 28 * DAY)
    created = np.where(expired, 72 * HOUR + fraction * 25 * DAY, created)
    was_claimed = np.isin(statuses, [Status.CLAIMED, Status.IN_PROGRESS, Status.RESOLVED])
    claim_wait = rng.uniform(0, 1, count) * np.minimum(created, 6 * HOUR)
    claimed = np.where(was_claimed, created - claim_wait, np.nan)
    close_wait = rng.uniform(0, 1, count) * np.minimum(created, 72 * HOUR)
    closed = np.where(expired, created - 72 * HOUR, created - close_wait)
    closed = np.where(was_claimed, np.minimum(closed, claimed), closed)
    return created, claimed, np.where(active, np.nan, closed)


async def _categories(engine: AsyncEngine):
    """Return the default incident with its category codes, their shares and medical flags."""
    async with create_session_factory(engine)() as session:
        incident = await incidents_service.default_incident(session)
    codes = np.array([c.code for c in incident.categories])
    weights = np.array([CATEGORY_MIX.get(code, 1) for code in codes], dtype=float)
    medical = np.array([c.medical for c in incident.categories])
    return incident, codes, weights / weights.sum(), medical


async def _requests(engine, districts: Districts, count: int, claimers: list[int], rng) -> int:
    """Load `count` help requests; return how many were written."""
    incident, codes, shares, medical_flags = await _categories(engine)
    lats, lons, owners = districts.sample(count, rng)
    category = rng.choice(len(codes), size=count, p=shares)
    medical = medical_flags[category]
    urgency = np.where(
        medical,
        rng.choice(TRIAGE_COLOURS, size=count, p=MEDICAL_URGENCY_MIX),
        rng.choice(OTHER_URGENCIES, size=count, p=OTHER_URGENCY_MIX),
    )
    statuses = rng.choice([str(s) for s in STATUS_MIX], size=count, p=list(STATUS_MIX.values()))
    created, claimed, closed = _ages(statuses, rng)
    # Oldest first, so ids follow creation time as they do in a live database.
    order = np.argsort(-created, kind="stable")
    per_row = (lats, lons, owners, category, medical, urgency, statuses, created, claimed, closed)
    lats, lons, owners, category, medical, urgency, statuses, created, claimed, closed = (
        values[order] for values in per_row
    )
    sla = np.array([incident.sla_for(u) * 60.0 for u in urgency.tolist()])
    breached = np.where((statuses == Status.OPEN) & (created > sla), created - sla, np.nan)
    claimer = np.where(np.isnan(claimed), -1, rng.choice(claimers, size=count))
    people = np.minimum(rng.geometric(0.45, count), 12)
    picks = rng.integers(0, 1_000_000, size=(4, count))
    district_codes = np.array(districts.codes)[owners]
    reasons = np.array([str(r) for r in CloseReason])[picks[0] % len(CloseReason)]
    now, written = utcnow(), 0
    for start in range(0, count, CHUNK):
        part = slice(start, min(start + CHUNK, count))
        rows = range(part.start, part.stop)
        lat, lon = lats[part].tolist(), lons[part].tolist()
        public = list(map(geo.round_for_privacy, lat, lon))
        district = district_codes[part].tolist()
        is_medical = medical[part].tolist()
        made = _instants(now, created[part])
        taken, ended = _instants(now, claimed[part]), _instants(now, closed[part])
        status = statuses[part].tolist()
        a, b, c, d = (p[part].tolist() for p in picks)
        columns = {
            "code": [tracking_code(i) for i in rows],
            "incident_id": [incident.id] * len(rows),
            "category": codes[category[part]].tolist(),
            "medical": is_medical,
            "urgency": urgency[part].tolist(),
            "status": status,
            "lat": lat,
            "lon": lon,
            "public_lat": [p[0] for p in public],
            "public_lon": [p[1] for p in public],
            "province_code": [code[:2] for code in district],
            "district_code": district,
            "subdistrict_code": [None] * len(rows),  # no tambon boundaries, as service.create
            "area_code": district,
            "address_text": [
                f"บ้านเลขที่ {x % 300 + 1} หมู่ {y % 15 + 1}" for x, y in zip(a, b, strict=True)
            ],
            "people_count": people[part].tolist(),
            "description": [DESCRIPTIONS[x % len(DESCRIPTIONS)] for x in c],
            "contact_name": [NAMES[x % len(NAMES)] for x in d],
            "contact_phone": [f"+669{i:08d}" for i in rows],
            "for_someone_else": [x % 4 == 0 for x in a],
            "consent_version": [CONSENT_VERSION if m else None for m in is_medical],
            "consent_at": [t if m else None for t, m in zip(made, is_medical, strict=True)],
            "requester_id": [None] * len(rows),
            "claimed_by_id": [None if x < 0 else x for x in claimer[part].tolist()],
            "claimed_at": taken,
            "created_at": made,
            "updated_at": [e or t or m for m, t, e in zip(made, taken, ended, strict=True)],
            "closed_at": ended,
            "close_reason": np.where(statuses[part] == "closed", reasons[part], None).tolist(),
            "sla_breached_at": _instants(now, breached[part]),
        }
        written += await load(engine, HelpRequest.__table__, columns)
    async with engine.begin() as connection:  # each take on the timeline, as a claim would
        await connection.execute(
            insert(RequestEvent).from_select(
                ["request_id", "at", "actor_id", "kind", "note", "details"],
                select(
                    HelpRequest.id,
                    HelpRequest.claimed_at,
                    HelpRequest.claimed_by_id,
                    literal("claimed"),
                    literal(""),
                    literal({}, JSON()),
                ).where(HelpRequest.claimed_at.is_not(None)),
            )
        )
    return written


async def _volunteers(engine: AsyncEngine, districts: Districts, count: int, rng) -> list[int]:
    """Load `count` volunteers (users, roles, home pins, 60% verified); return their user ids."""
    lats, lons, owners = districts.sample(count, rng)
    homes = np.array(districts.codes)[owners].tolist()
    now = utcnow()
    users = {
        "phone": [f"+668{i:08d}" for i in range(count)],
        "display_name": [f"อาสา {i + 1}" for i in range(count)],
        "area_code": [None] * count,  # a user's area is a staff scope, not a home
        "is_active": [True] * count,
        "session_version": [0] * count,
        "created_at": [now] * count,
    }
    await load(engine, User.__table__, users)
    async with engine.connect() as connection:
        ids = list(
            await connection.scalars(
                select(User.id).where(User.phone.startswith("+668")).order_by(User.phone)
            )
        )
    await load(engine, UserRole.__table__, {"user_id": ids, "role": [Role.VOLUNTEER.value] * count})
    verified = (rng.uniform(0, 1, count) < VERIFIED_SHARE).tolist()
    skills = rng.integers(0, len(SKILLS), size=(count, 2)).tolist()
    profiles = {
        "user_id": ids,
        "kind": rng.choice(list(KIND_MIX), size=count, p=list(KIND_MIX.values())).tolist(),
        "skills": [sorted({SKILLS[s] for s in pair}) for pair in skills],
        "vehicle": rng.choice([str(v) for v in Vehicle], size=count).tolist(),
        "ppe_trained": verified,
        "home_lat": lats.tolist(),
        "home_lon": lons.tolist(),
        "area_code": homes,
        "service_radius_km": [5.0 + 3 * pair[0] for pair in skills],
        "available_now": [True] * count,
        "verified_at": [now if v else None for v in verified],
        "created_at": [now] * count,
        "updated_at": [now] * count,
    }
    if engine.dialect.name == "postgresql":  # COPY takes JSON as text
        profiles["skills"] = [json.dumps(s) for s in profiles["skills"]]
    await load(engine, Volunteer.__table__, profiles)
    return ids


async def _indexes(engine: AsyncEngine, table, *, present: bool) -> None:
    """Drop a table's secondary indexes, or build them again (faster than keeping them up)."""
    async with engine.begin() as connection:
        for index in sorted(table.indexes, key=lambda i: i.name):
            if present:
                await connection.execute(CreateIndex(index, if_not_exists=True))
            else:
                await connection.execute(DropIndex(index, if_exists=True))


async def generate(
    engine: AsyncEngine, rows: int, *, seed: int = SEED, facilities: int = FACILITIES
) -> dict:
    """Empty the data, load `rows` help requests, rows/10 volunteers and `facilities`
    facilities, then count the map."""
    rng = np.random.default_rng(seed)
    await reset(engine)
    async with engine.connect() as connection:
        known = set(await connection.scalars(select(Area.code).where(Area.level == "district")))
    districts = Districts.load(known)
    table = HelpRequest.__table__

    started = time.perf_counter()
    volunteers = max(1, rows // 10)
    claimers = await _volunteers(engine, districts, volunteers, rng)
    volunteer_seconds = time.perf_counter() - started

    started = time.perf_counter()
    await _indexes(engine, table, present=False)
    try:
        written = await _requests(engine, districts, rows, claimers, rng)
        insert_seconds = time.perf_counter() - started
    finally:
        await _indexes(engine, table, present=True)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    facilities_written = await load_facilities(engine, districts, facilities, rng, load)
    facility_seconds = time.perf_counter() - started
    started = time.perf_counter()
    async with create_session_factory(engine)() as session:
        cells = sum((await registry.recount_all(session)).values())
        tallies = await tally.recount(session)  # the load wrote rows, not through the ORM
        timed = await timings.recount(session)
        open_cell_rows = await open_cells.recount(session)
        actors = await actor_days.recount(session)
        await session.commit()
    map_seconds = time.perf_counter() - started
    started = time.perf_counter()
    if engine.dialect.name == "postgresql":  # as autovacuum would, before anyone measures
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE"))
    analyze_seconds = time.perf_counter() - started
    return {
        "seed": seed,
        "districts": len(districts.codes),
        "help_requests": written,
        "insert_seconds": round(insert_seconds, 2),
        "index_seconds": round(load_seconds - insert_seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "rows_per_second": round(written / load_seconds, 1) if load_seconds else None,
        "volunteers": volunteers,
        "volunteer_seconds": round(volunteer_seconds, 2),
        "map_cells": cells,
        "request_tallies": tallies,
        "request_timings": timed,
        "open_cells": open_cell_rows,
        "actor_days": actors,
        "map_recount_seconds": round(map_seconds, 2),
        "vacuum_analyze_seconds": round(analyze_seconds, 2),
        "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "facilities": facilities_written,
        "facility_seconds": round(facility_seconds, 2),
    }
