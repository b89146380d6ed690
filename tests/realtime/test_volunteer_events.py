"""Volunteer figures move live: registering, verifying, losing verification, moving home and
importing volunteers each tell the area's stream, with no personal data for the public."""

import re
from pathlib import Path

from sqlalchemy import select

from jitasa.core.events import OutboxEvent
from jitasa.core.words import Role
from jitasa.volunteers import bulk, signals
from tests.factories import make_user, signed_in
from tests.realtime.conftest import open_stream

LIVE_SCRIPT = Path(__file__).parents[2] / "jitasa/web/static/js/desk-live.js"
CHIANG_MAI_CITY = {"home_lat": 18.789, "home_lon": 98.974}  # district 5001
CHOM_THONG = {"home_lat": 18.4167, "home_lon": 98.675}  # district 5002
PRIVATE = {"phone", "display_name", "home_lat", "home_lon", "skills", "name"}


def profile(**changes) -> dict:
    """Return a complete volunteer form for a home in Chiang Mai city."""
    return {
        "kind": "general",
        "skills": ["first aid"],
        "vehicle": "motorcycle",
        "ppe_trained": False,
        **CHIANG_MAI_CITY,
        "service_radius_km": 5,
        "available_now": True,
        "display_name": "สมศรี ใจดี",
        **changes,
    }


def test_the_live_pages_listen_for_every_kind_of_volunteer_change():
    listened = set(re.findall(r'"([a-z_.]+)"', LIVE_SCRIPT.read_text()))
    kinds = {signals.REGISTERED, signals.VERIFIED, signals.UNVERIFIED, signals.MOVED}
    assert kinds | {signals.IMPORTED} <= listened


async def test_each_change_of_the_figures_reaches_the_area_without_personal_data(live, session):
    _user, headers = await signed_in(session, roles=[Role.REQUESTER])
    _staff, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")

    async with (
        open_stream(live, area="50") as public,
        open_stream(live, area="50", headers=staff) as full,
    ):
        registered = await live.post("/api/v1/volunteers", json=profile(), headers=headers)
        assert registered.status_code == 201, registered.text
        volunteer = registered.json()
        verified = await live.post(f"/api/v1/volunteers/{volunteer['id']}/verify", headers=staff)
        assert verified.status_code == 200, verified.text
        moved = await live.post("/api/v1/volunteers", json=profile(**CHOM_THONG), headers=headers)
        assert moved.status_code == 200, moved.text
        seen_by_all = await public.events(4)
        seen_by_staff = await full.events(4)

    kinds = [
        "volunteer.registered",
        "volunteer.verified",
        "volunteer.unverified",
        "volunteer.moved",
    ]
    assert [e.event for e in seen_by_all] == kinds
    assert [e.data for e in seen_by_all] == [{}] * 4
    assert [e.event for e in seen_by_staff] == kinds
    for frame in seen_by_staff:
        assert frame.data["volunteer_id"] == volunteer["id"]
        assert not PRIVATE & set(frame.data), frame.data
    rows = await session.scalars(
        select(OutboxEvent).where(OutboxEvent.kind.like("volunteer.%")).order_by(OutboxEvent.id)
    )
    areas = [(e.kind, e.area_code[:4]) for e in rows if e.full["volunteer_id"] == volunteer["id"]]
    assert areas == [
        ("volunteer.registered", "5001"),
        ("volunteer.verified", "5001"),
        ("volunteer.unverified", "5001"),  # verified there no more
        ("volunteer.moved", "5002"),  # waiting there now
    ]


async def test_an_import_tells_each_home_area_how_many_it_gained(session):
    importer = await make_user(session, roles=[Role.ADMIN])
    rows = [
        {"phone": f"081-555-{n:04d}", **profile(**(CHOM_THONG if n == 2 else {}))} for n in range(3)
    ]
    first = await session.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id.desc()).limit(1))

    report = await bulk.create_many(session, rows=rows, importer=importer, refresh_seconds=0)

    assert report.problems == [] and len(report.created_ids) == 3
    found = await session.scalars(
        select(OutboxEvent).where(
            OutboxEvent.id > (first or 0), OutboxEvent.kind == "volunteers.imported"
        )
    )
    assert sorted((e.area_code[:4], e.public) for e in found) == [
        ("5001", {"count": 2}),
        ("5002", {"count": 1}),
    ]
