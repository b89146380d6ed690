"""The locator on Thailand's real province and district boundaries (../shared/data)."""

import csv
import random

import geothai
import pytest

from jitasa.areas.boundaries import read_boundary_file
from jitasa.areas.locator import AreaLocator
from tests.conftest import SHARED_DATA, boundary_files

KNOWN_CODES = {p.code for p in geothai.provinces()} | {
    d.code for p in geothai.provinces() for d in geothai.districts(p.code)
}


@pytest.fixture(scope="module")
def locator() -> AreaLocator:
    """A locator over every province and district boundary."""
    boundaries = []
    for path in boundary_files():
        boundaries += read_boundary_file(path, KNOWN_CODES)
    return AreaLocator(boundaries)


def chiang_mai_hospitals() -> list[dict[str, str]]:
    """Rows of the Chiang Mai facilities sample (UTF-8 with BOM, Thai headers)."""
    with (SHARED_DATA / "samples" / "facilities_chiangmai.csv").open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def district_code(name_th: str) -> str:
    """Return the Chiang Mai district code with this Thai name."""
    (code,) = [d.code for d in geothai.districts("50") if d.name_th == name_th]
    return code


@pytest.mark.skipif(not (SHARED_DATA / "samples").exists(), reason="../shared/data is missing")
def test_every_chiang_mai_hospital_is_located_in_its_district(locator):
    rows = chiang_mai_hospitals()
    assert len(rows) == 25
    for row in rows:
        found = locator.locate(float(row["ละติจูด"]), float(row["ลองจิจูด"]))
        assert found == {
            "province": "50",
            "district": district_code(row["อำเภอ"]),
        }, row["ชื่อ"]


@pytest.mark.parametrize(
    ("place", "lat", "lon", "expected"),
    [
        ("Grand Palace, Bangkok", 13.7500, 100.4913, {"province": "10", "district": "1001"}),
        ("Phuket old town", 7.8842, 98.3923, {"province": "83", "district": "8301"}),
        ("Hat Yai", 7.0086, 100.4747, {"province": "90", "district": "9011"}),
        ("Mae Sai", 20.4300, 99.8800, {"province": "57", "district": "5709"}),
    ],
)
def test_known_places_are_in_their_district(locator, place, lat, lon, expected):
    assert locator.locate(lat, lon) == expected, place


@pytest.mark.parametrize(
    ("place", "lat", "lon"),
    [
        ("Gulf of Thailand", 10.0, 101.5),
        ("Andaman Sea", 8.0, 96.5),
        ("Vientiane, Laos", 17.9660, 102.6130),
        ("Luang Prabang, Laos", 19.8856, 102.1347),
        ("Yangon, Myanmar", 16.8409, 96.1735),
        ("Null Island", 0.0, 0.0),
    ],
)
def test_points_outside_thailand_are_in_no_area(locator, place, lat, lon):
    assert locator.locate(lat, lon) == {}, place


def test_many_points_are_located_like_one_at_a_time(locator):
    rng = random.Random(2021)
    lats = [rng.uniform(5.5, 20.5) for _ in range(300)]
    lons = [rng.uniform(97.3, 105.7) for _ in range(300)]
    together = locator.locate_many(lats, lons)
    assert together == [locator.locate(lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert sum(1 for found in together if found) > 100  # most of the box is Thailand


def test_district_and_province_always_agree(locator):
    rng = random.Random(7)
    for _ in range(500):
        found = locator.locate(rng.uniform(5.5, 20.5), rng.uniform(97.3, 105.7))
        if "district" in found:
            assert found["district"].startswith(found["province"])


def test_empty_locator_finds_nothing():
    assert AreaLocator([]).locate(18.79, 98.98) == {}
