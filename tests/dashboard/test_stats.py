"""`GET /api/v1/stats`: every figure equals a count made here another way, from all the rows."""

import math
import random
import statistics
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from jitasa.core.db import utcnow
from jitasa.core.thai import BANGKOK
from jitasa.core.words import Role
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.volunteers.models import Volunteer
from tests.factories import make_user, make_volunteer, signed_in
from tests.help_requests.helpers import CHIANG_MAI, CHOM_THONG, make_request

BANGKOK_PIN = {"lat": 13.7563, "lon": 100.5018}
PLACES = [CHIANG_MAI, CHOM_THONG, BANGKOK_PIN]
STATUSES = ["open", "claimed", "in_progress", "resolved", "closed", "cancelled", "expired"]


async def _scenario(session, now: datetime, seed: int) -> None:
    """Make requests of every status, age, area and urgency, with their timelines."""
    rng = random.Random(seed)
    requester = await make_user(session)
    helper = await make_user(session, roles=[Role.VOLUNTEER])
    templates = [await make_request(session, requester=requester, **p) for p in PLACES]
    events = []
    for n in range(60):
        template = rng.choice(templates)
        created = now - timedelta(minutes=rng.uniform(5, 10 * 24 * 60))
        status = rng.choice(STATUSES)
        row = HelpRequest(
            code=f"JT-S{seed}{n:04d}",
            incident_id=template.incident_id,
            category=rng.choice(["food_supplies", "shelter", "water"]),
            urgency=rng.choice(["urgent", "normal"]),
            status=status,
            lat=template.lat,
            lon=template.lon,
            public_lat=template.public_lat,
            public_lon=template.public_lon,
            province_code=template.province_code,
            district_code=template.district_code,
            subdistrict_code=template.subdistrict_code,
            area_code=template.area_code,
            requester_id=requester.id,
            created_at=created,
            updated_at=created,
        )
        if status in ("closed", "cancelled", "expired"):
            row.closed_at = created + (now - created) * rng.random()
        if status == "open" and rng.random() < 0.5:
            row.sla_breached_at = created + timedelta(minutes=60)
        session.add(row)
        await session.flush()
        if status not in ("open", "cancelled", "expired") or rng.random() < 0.2:
            taken = created + timedelta(
                minutes=rng.uniform(1, (now - created).total_seconds() / 60)
            )
            for k in range(rng.choice([1, 2])):  # a release and a second take: the first counts
                kind = rng.choice(["claimed", "assigned"])
                at = taken + timedelta(minutes=30 * k)
                if at < now:
                    events.append(
                        {"request_id": row.id, "kind": kind, "at": at, "actor_id": helper.id}
                    )
            if status == "resolved":
                row.closed_at = min(now, taken + timedelta(minutes=rng.uniform(1, 600)))
    session.add_all(RequestEvent(**event) for event in events)  # the timings count them
    await session.commit()


async def _volunteers(session, now: datetime) -> None:
    """Make verified and waiting volunteers in two districts; one acted on a request today,
    one three days ago (twice)."""
    for place, verified in ((CHIANG_MAI, True), (CHIANG_MAI, False), (CHOM_THONG, True)):
        volunteer = await make_volunteer(session, home_lat=place["lat"], home_lon=place["lon"])
        if verified:
            volunteer.verified_at = now
    active = await make_volunteer(session)
    some_request = await session.scalar(select(HelpRequest.id).limit(1))
    session.add(RequestEvent(request_id=some_request, kind="in_progress", actor_id=active.user_id))
    for hours in (0, 1):
        at = now - timedelta(days=3, hours=hours)
        session.add(
            RequestEvent(request_id=some_request, kind="note", actor_id=volunteer.user_id, at=at)
        )
    await session.commit()


def kept(later: datetime, earlier: datetime) -> int:
    """Whole minutes rounded down, then three significant figures toward zero (the API's
    stated precision), counted here in integer microseconds."""
    waited = later - earlier
    micro = (waited.days * 86400 + waited.seconds) * 1_000_000 + waited.microseconds
    minutes = micro // 60_000_000
    digits = len(str(abs(minutes)))
    width = 10 ** min(max(digits - 3, 0), 3)
    return int(abs(minutes) / width) * width * (1 if minutes >= 0 else -1)


def _expected(requests, first_takes, volunteers, acted, area, now, day=None):
    """Count the figures the slow, obvious way, from every row."""
    mine = [r for r in requests if area is None or (r.area_code or "").startswith(area)]
    by_status = {s: sum(r.status == s for r in mine) for s in STATUSES}
    day = day or now.astimezone(BANGKOK).date()
    day_start = datetime.combine(day, time(0), tzinfo=BANGKOK).astimezone(UTC)
    day_end = day_start + timedelta(days=1)  # windows are whole Bangkok days
    spans = {
        "today": day_start,
        "last_7_days": day_start - timedelta(days=6),
        "all": None,
    }

    def summary(values):
        if not values:
            return {"count": 0, "median_minutes": None, "p90_minutes": None}
        values = sorted(values)
        return {
            "count": len(values),
            "median_minutes": round(statistics.median(values), 1),
            "p90_minutes": round(values[math.ceil(len(values) * 9 / 10) - 1], 1),
        }

    def within(moment, start):
        return moment < day_end and (start is None or moment >= start)

    to_claim = {
        name: summary(
            [
                kept(first_takes[r.id], r.created_at)
                for r in mine
                if r.id in first_takes and within(first_takes[r.id], start)
            ]
        )
        for name, start in spans.items()
    }
    to_resolve = {
        name: summary(
            [
                kept(r.closed_at, r.created_at)
                for r in mine
                if r.status == "resolved" and r.closed_at and within(r.closed_at, start)
            ]
        )
        for name, start in spans.items()
    }
    ends = [day_start + timedelta(days=1 - k) for k in range(6, -1, -1)]
    curve = [
        sum(r.created_at < end and (r.closed_at is None or r.closed_at >= end) for r in mine)
        for end in ends
    ]
    late = sorted(
        (r for r in mine if r.status == "open" and r.sla_breached_at), key=lambda r: r.created_at
    )
    in_area = [v for v in volunteers if area is None or v.area_code.startswith(area)]
    return {
        "by_status": by_status,
        "to_claim": to_claim,
        "to_resolve": to_resolve,
        "past_sla": [r.code for r in late],
        "curve": curve,
        "volunteers": {
            "verified": sum(v.verified_at is not None for v in in_area),
            "waiting": sum(v.verified_at is None for v in in_area),
            "active_today": sum(v.user_id in acted for v in in_area),
        },
    }


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_figure_equals_an_independent_count(client, session, seed):
    now = utcnow()
    await _scenario(session, now, seed)
    await _volunteers(session, now)
    _admin, headers = await signed_in(session, roles=[Role.ADMIN])
    requests = list((await session.scalars(select(HelpRequest))).all())
    takes = (
        await session.execute(select(RequestEvent.request_id, RequestEvent.at, RequestEvent.kind))
    ).all()
    first_takes = {}
    for request_id, at, kind in takes:
        if kind in ("claimed", "assigned"):
            first_takes[request_id] = min(at, first_takes.get(request_id, at))
    volunteers = list((await session.scalars(select(Volunteer))).all())
    acted_rows = (await session.execute(select(RequestEvent.actor_id, RequestEvent.at))).all()

    def acted_on(day) -> set[int]:  # who acted on the timeline on a Bangkok day
        start = datetime.combine(day, time(0), tzinfo=BANGKOK)
        return {a for a, at in acted_rows if a and start <= at < start + timedelta(days=1)}

    acted = acted_on(now.astimezone(BANGKOK).date())

    unplaced = 0
    for area in (None, "50", "5001", "5002", "10"):
        query = {"area": area} if area else {}
        response = await client.get("/api/v1/stats", params=query, headers=headers)
        assert response.status_code == 200, response.text
        got = response.json()
        # The answer's own clock is a moment later than ours: compare with its `as_of`.
        as_of = datetime.fromisoformat(got["as_of"])
        want = _expected(requests, first_takes, volunteers, acted, area, as_of)
        assert got["requests"]["by_status"] == want["by_status"], area
        assert got["to_claim"] == want["to_claim"], area
        assert got["to_resolve"] == want["to_resolve"], area
        assert [r["code"] for r in got["past_sla"]["oldest"]] == want["past_sla"], area
        assert got["past_sla"]["count"] == len(want["past_sla"])
        assert got["volunteers"] == want["volunteers"], area
        for urgency, counts in got["requests"]["by_urgency"].items():
            mine = [r for r in requests if area is None or (r.area_code or "").startswith(area)]
            assert counts == {
                s: sum(r.urgency == urgency and r.status == s for r in mine) for s in STATUSES
            }
        assert [p["count"] for p in got["active_over_time"]] == want["curve"], area
        for child in got["children"]:
            inside = [r for r in requests if (r.area_code or "").startswith(child["code"])]
            assert child["open"] == sum(r.status == "open" for r in inside)
            assert child["claimed"] == sum(r.status == "claimed" for r in inside)
            assert child["past_sla"] == sum(
                r.status == "open" and bool(r.sla_breached_at) for r in inside
            )
        # What no child holds (a pin in no loaded subdistrict): the rest of the area's count.
        listed = [child["code"] for child in got["children"]]
        left = [
            r
            for r in requests
            if (area is None or (r.area_code or "").startswith(area))
            and not any((r.area_code or "").startswith(code) for code in listed)
        ]
        assert got["not_in_children"] == {
            "open": sum(r.status == "open" for r in left),
            "claimed": sum(r.status == "claimed" for r in left),
            "in_progress": sum(r.status == "in_progress" for r in left),
            "past_sla": sum(r.status == "open" and bool(r.sla_breached_at) for r in left),
        }, area
        unplaced += sum(got["not_in_children"].values())
    assert unplaced  # some district's requests lie in no loaded subdistrict: the check is real

    # A past day: its windows end at its own midnight, and "all" leaves out the days after it.
    for area in (None, "50", "5001"):
        past = (now.astimezone(BANGKOK) - timedelta(days=3)).date()
        query = {"date": past.isoformat()} | ({"area": area} if area else {})
        got = (await client.get("/api/v1/stats", params=query, headers=headers)).json()
        as_of = datetime.fromisoformat(got["as_of"])
        want = _expected(requests, first_takes, volunteers, acted_on(past), area, as_of, past)
        assert got["volunteers"] == want["volunteers"], area
        assert area or got["volunteers"]["active_today"] == 1  # the one who acted that day
        assert got["to_claim"] == want["to_claim"], area
        assert got["to_resolve"] == want["to_resolve"], area
        assert [p["count"] for p in got["active_over_time"]] == want["curve"], area


async def test_stats_scope_unknown_area_and_bad_date(client, session):
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    own = await client.get("/api/v1/stats", headers=headers)
    assert own.status_code == 200 and own.json()["area"] == "5001"
    assert {c["code"][:4] for c in own.json()["children"]} == {"5001"}
    assert (await client.get("/api/v1/stats?area=500101", headers=headers)).status_code == 200
    outside = await client.get("/api/v1/stats?area=5002", headers=headers)
    assert outside.status_code == 403 and outside.json()["code"] == "auth.out_of_area"
    assert (await client.get("/api/v1/stats?area=5099", headers=headers)).status_code == 404
    for far in ("1900-01-01", "9999-12-31"):  # outside the days figures are kept for
        response = await client.get(f"/api/v1/stats?date={far}", headers=headers)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "date"
    bad = await client.get("/api/v1/stats?date=2026-13-40", headers=headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"date"}
    assert bad.json()["errors"][0]["message_th"]
    _volunteer, volunteer_headers = await signed_in(session, roles=[Role.VOLUNTEER])
    assert (await client.get("/api/v1/stats", headers=volunteer_headers)).status_code == 403
    assert (await client.get("/api/v1/stats")).status_code == 401


async def test_a_day_after_today_has_no_figures_anywhere(client, session):
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    today = utcnow().astimezone(BANGKOK).date()
    assert (await client.get(f"/api/v1/stats?date={today}", headers=headers)).status_code == 200
    tomorrow = today + timedelta(days=1)
    answer = await client.get(f"/api/v1/stats?date={tomorrow}", headers=headers)
    assert answer.status_code == 422, answer.text
    error = answer.json()["errors"][0]
    assert error["field"] == "date" and "future" in error["message"]
    assert "อนาคต" in error["message_th"]
    for page in ("/dashboard", "/dashboard/report", "/dashboard/report.pdf"):
        shown = await client.get(f"{page}?date={tomorrow}", headers=headers)
        assert shown.status_code == 422, page
