"""The dashboard's capacity board: free beds by colour equal a count made here from every row."""

import random
from datetime import timedelta

from sqlalchemy import select, update

from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.facilities.models import Facility
from jitasa.help_requests import transport
from tests.facilities.helpers import CHOM_THONG, MAHARAJ, make_facility
from tests.factories import signed_in
from tests.help_requests.helpers import make_request, put_in_status, volunteer

COLOURS = ("red", "yellow", "green")
STALE_HOURS = 24  # the setting's default


async def _facilities(session, rng: random.Random) -> list[Facility]:
    """Make facilities of both districts, some closed, some with stale numbers."""
    made = []
    for n in range(12):
        beds = {}
        for colour in COLOURS:
            if rng.random() < 0.7:
                total = rng.randint(1, 30)
                beds[f"beds_{colour}"] = (total, rng.randint(0, total))
        place = MAHARAJ if n % 3 else CHOM_THONG
        status = rng.choice(["open", "open", "full", "closed"])
        facility = await make_facility(
            session,
            name_th=f"สถานที่ {n}",
            status=status,
            beds=beds,
            lat=place["lat"] + n * 0.001,
            lon=place["lon"],
        )
        made.append(facility)
    for facility in rng.sample(made, 5):  # nobody changed or checked them for 1 to 3 days
        await session.execute(
            update(Facility)
            .where(Facility.id == facility.id)
            .values(updated_at=utcnow() - timedelta(hours=rng.randint(25, 72)))
        )
    await session.commit()
    return made


def _expected(facilities, area: str, held: dict[str, int]) -> dict:
    """Count the board from the facilities' rows, in Python."""
    now = utcnow()
    taking = [
        f for f in facilities if f.area_code.startswith(area) and f.status in ("open", "full")
    ]
    stale = [f for f in taking if f.updated_at < now - timedelta(hours=STALE_HOURS)]
    beds = {}
    for colour in COLOURS:
        rows = [(f, c) for f in taking for c in f.capacity if c.resource == f"beds_{colour}"]
        beds[colour] = {
            "total": sum(c.total for _f, c in rows),
            "free": sum(c.available for _f, c in rows),
            "free_stale": sum(c.available for f, c in rows if f in stale),
            "reserved": held.get(colour, 0),
        }
    return {
        "facilities": len(taking),
        "stale_facilities": len(stale),
        "beds": beds,
        "stale": [f.id for f in sorted(stale, key=lambda f: (f.updated_at, f.id))],
    }


async def test_the_capacity_board_equals_a_count_of_every_facility(client, session):
    made = await _facilities(session, random.Random(12))
    # A transport holds a yellow bed at an open facility of 5001 with one free.
    target = next(
        f
        for f in made
        if f.status == "open"
        and f.area_code.startswith("5001")
        and any(c.resource == "beds_yellow" and c.available for c in f.capacity)
    )
    patient = await make_request(session, category="patient_transport", urgency="yellow")
    driver, _headers = await volunteer(session, vehicle="car")
    await put_in_status(session, patient, "claimed", claimed_by=driver.user)
    await transport.choose(session, help_request=patient, user=driver.user, facility_id=target.id)
    await session.commit()
    facilities = list(
        await session.scalars(select(Facility).execution_options(populate_existing=True))
    )
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")

    for area, held in (("50", {"yellow": 1}), ("5001", {"yellow": 1}), ("5002", {})):
        response = await client.get("/api/v1/stats", params={"area": area}, headers=headers)
        assert response.status_code == 200, response.text
        board = response.json()["capacity"]
        want = _expected(facilities, area, held)
        assert board["beds"] == want["beds"], area
        assert (board["facilities"], board["stale_facilities"]) == (
            want["facilities"],
            want["stale_facilities"],
        ), area
        assert [f["id"] for f in board["stale"]] == want["stale"], area
        assert board["stale_hours"] == STALE_HOURS
    assert board["facilities"] > 0 and any(b["total"] for b in board["beds"].values())


async def test_the_dashboard_shows_free_beds_and_flags_stale_numbers(client, session):
    fresh = await make_facility(session, name_th="สดใหม่", beds={"beds_red": (5, 2)})
    old = await make_facility(session, name_th="ตัวเลขเก่า", beds={"beds_red": (7, 3)})
    await session.execute(
        update(Facility)
        .where(Facility.id == old.id)
        .values(updated_at=utcnow() - timedelta(hours=30))
    )
    await session.commit()
    assert fresh.id != old.id
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    page = (await client.get("/dashboard", headers={**headers, "Accept": "text/html"})).text
    assert "เตียงว่าง" in page
    assert 'class="n free">5<' in page  # two fresh and three stale free red beds
    assert "สถานพยาบาล 1 จาก 2 แห่ง มีตัวเลขเก่ากว่า 24 ชั่วโมง" in page
    assert "ตัวเลขเก่า</a>" in page and "สดใหม่</a>" not in page
