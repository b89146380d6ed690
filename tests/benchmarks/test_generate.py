"""The benchmark data generator: unique codes, population spread, consistent rows."""

import re

import numpy as np
import shapely
from sqlalchemy import func, select

from benchmarks.generate import generate, tracking_code
from benchmarks.population import Districts, district_weight
from jitasa.areas.models import Area
from jitasa.clusters.grid import MAX_LEVEL
from jitasa.clusters.models import MapCell
from jitasa.core.geo import round_for_privacy
from jitasa.core.words import OTHER_URGENCIES, TRIAGE_COLOURS
from jitasa.facilities.models import Capacity, Facility
from jitasa.help_requests.models import HelpRequest, OpenCell
from jitasa.help_requests.service import CODE_ALPHABET
from jitasa.volunteers.models import Volunteer


def test_tracking_codes_are_unique_and_look_like_the_services():
    codes = [tracking_code(row) for row in range(200_000)]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(f"JT-[{CODE_ALPHABET}]{{6}}", code) for code in codes[:1000])


def test_bangkok_and_provincial_towns_weigh_more_than_the_countryside():
    codes = ("1001", "5001", "1202", "5002")  # Phra Nakhon, Mueang Chiang Mai, suburb, rural
    bangkok, town, suburb, countryside = (district_weight(code) for code in codes)
    assert bangkok > suburb > countryside and town > suburb


async def test_sampled_points_lie_in_their_districts(session):
    known = set(await session.scalars(select(Area.code).where(Area.level == "district")))
    districts = Districts.load(known)
    lats, lons, owners = districts.sample(2000, np.random.default_rng(1))
    assert len(districts.codes) == 928
    inside = [
        shapely.contains_xy(districts.geometries[o], lon, lat)
        for lat, lon, o in zip(lats, lons, owners, strict=True)
    ]
    assert all(inside)
    bangkok = np.mean([districts.codes[o].startswith("10") for o in owners])
    assert 0.1 < bangkok < 0.2


async def test_generated_requests_are_consistent_and_counted_on_the_map(engine, session):
    report = await generate(engine, 400, seed=7, facilities=60)
    assert report["help_requests"] == 400 and report["volunteers"] == 40
    assert report["facilities"] == 60
    rows = (await session.scalars(select(HelpRequest).order_by(HelpRequest.id))).all()
    assert len(rows) == 400 and len({r.code for r in rows}) == 400
    for row in rows:
        assert (row.public_lat, row.public_lon) == round_for_privacy(row.lat, row.lon)
        assert row.province_code == row.district_code[:2] and row.area_code == row.district_code
        assert row.urgency in (TRIAGE_COLOURS if row.medical else OTHER_URGENCIES)
        assert (row.claimed_by_id is not None) == (
            row.status in ("claimed", "in_progress", "resolved")
        )
        assert (row.closed_at is not None) == (
            row.status in ("resolved", "cancelled", "closed", "expired")
        )
        assert row.created_at <= row.updated_at
    assert {r.status for r in rows} >= {"open", "claimed", "resolved"}
    assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)
    assert await session.scalar(select(func.count()).select_from(Volunteer)) == 40
    counted = await session.scalar(
        select(func.sum(MapCell.count)).where(
            MapCell.layer == "requests", MapCell.province_code == "", MapCell.level == MAX_LEVEL
        )
    )
    assert counted == 400
    open_now = sum(r.status == "open" for r in rows)  # nearby's cell counts hold the open ones
    assert await session.scalar(select(func.sum(OpenCell.count))) == open_now > 0
    facilities = await session.scalar(
        select(func.sum(MapCell.count)).where(
            MapCell.layer == "facilities", MapCell.province_code == "", MapCell.level == MAX_LEVEL
        )
    )
    assert facilities == 60
    beds = await session.scalar(select(func.sum(Capacity.available)))
    free = await session.scalar(
        select(func.sum(Facility.free_red + Facility.free_yellow + Facility.free_green))
    )
    assert beds == free
