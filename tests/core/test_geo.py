"""Distances, search boxes, the privacy grid and Thailand's box, pinned to exact figures.

Every expectation here is computed independently of `jitasa.core.geo` (the spherical law of
cosines and the direct geodesic formula on the IUGG mean radius), so a wrong Earth radius, a
broken longitude term or a box too narrow east–west fails, not only a wrong north–south one.
"""

import math

import pytest

from jitasa.core import geo

MEAN_EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius R1
BANGKOK = (13.7563, 100.5018)
CHIANG_MAI = (18.7883, 98.9853)
UBON = (15.2287, 104.8564)
HAT_YAI = (7.0086, 100.4747)


def cosine_law_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance by the spherical law of cosines (another formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    cosine = math.sin(phi1) * math.sin(phi2) + math.cos(phi1) * math.cos(phi2) * math.cos(
        math.radians(lon2 - lon1)
    )
    return MEAN_EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cosine)))


def destination(lat: float, lon: float, bearing: float, km: float) -> tuple[float, float]:
    """Return the point `km` away on the initial bearing (degrees from north), on the sphere."""
    phi, delta, theta = math.radians(lat), km / MEAN_EARTH_RADIUS_KM, math.radians(bearing)
    phi2 = math.asin(
        math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta)
    )
    d_lambda = math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi),
        math.cos(delta) - math.sin(phi) * math.sin(phi2),
    )
    return math.degrees(phi2), lon + math.degrees(d_lambda)


def test_one_degree_of_longitude_on_the_equator_is_a_360th_of_the_circumference():
    circumference = 2 * math.pi * MEAN_EARTH_RADIUS_KM
    assert geo.distance_km(0, 0, 0, 1) == pytest.approx(circumference / 360, abs=1e-6)
    assert geo.distance_km(0, 100, 0, 99) == pytest.approx(circumference / 360, abs=1e-6)
    assert geo.distance_km(0, 0, 1, 0) == pytest.approx(circumference / 360, abs=1e-6)


def test_a_degree_of_longitude_shrinks_with_the_cosine_of_latitude():
    at_equator = geo.distance_km(0, 100, 0, 100.01)
    at_60 = geo.distance_km(60, 100, 60, 100.01)
    assert at_60 == pytest.approx(at_equator / 2, rel=1e-6)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (BANGKOK, CHIANG_MAI, 582.5),
        (BANGKOK, UBON, 496.5),
        (BANGKOK, HAT_YAI, 750.3),
        (CHIANG_MAI, UBON, 739.1),
    ],
)
def test_distances_between_thai_cities_are_exact_to_a_metre(a, b, km):
    exact = cosine_law_km(*a, *b)
    assert geo.distance_km(*a, *b) == pytest.approx(exact, abs=0.001)
    assert geo.distance_km(*b, *a) == pytest.approx(exact, abs=0.001)
    assert exact == pytest.approx(km, abs=0.05)


def test_a_quarter_meridian_and_the_antipodes():
    assert geo.distance_km(0, 0, 90, 0) == pytest.approx(math.pi / 2 * MEAN_EARTH_RADIUS_KM)
    # The haversine term comes out a hair above 1 here (its square root rounds back to 1).
    assert geo.distance_km(14.7, 0, -14.7, 180) == pytest.approx(math.pi * MEAN_EARTH_RADIUS_KM)


@pytest.mark.parametrize("lat", [5.6, 13.75, 20.5])
@pytest.mark.parametrize("radius_km", [0.5, 10, 100])
def test_the_search_box_holds_the_whole_circle_and_little_more(lat, radius_km):
    lon, rounding = 100.5, 1e-9  # degrees: a due-north point lies on the edge, give or take
    west, south, east, north = geo.bbox_around(lat, lon, radius_km)
    circle = [destination(lat, lon, bearing, radius_km) for bearing in range(0, 360, 3)]
    for point_lat, point_lon in circle:
        assert south - rounding <= point_lat <= north + rounding, (point_lat, point_lon)
        assert west - rounding <= point_lon <= east + rounding, (point_lat, point_lon)
    # Tight on every side: the circle reaches within 1 % of each edge.
    lats, lons = [p[0] for p in circle], [p[1] for p in circle]
    assert north - max(lats) < 0.01 * (north - lat) and min(lats) - south < 0.01 * (lat - south)
    assert east - max(lons) < 0.01 * (east - lon) and min(lons) - west < 0.01 * (lon - west)


def test_the_search_box_at_a_pole_is_finite():
    west, south, east, north = geo.bbox_around(90.0, 0.0, 10)
    assert all(math.isfinite(v) for v in (west, south, east, north))
    assert north - 90.0 == pytest.approx(10 / MEAN_EARTH_RADIUS_KM * 180 / math.pi)


def test_an_exact_pin_has_one_exact_public_pin_about_500_m_from_its_neighbours():
    assert geo.round_for_privacy(*CHIANG_MAI) == (18.7875, 98.9875)
    assert geo.round_for_privacy(18.7851, 98.9899) == (18.7875, 98.9875)  # same cell
    assert geo.round_for_privacy(18.7901, 98.9853) == (18.7925, 98.9875)  # next one north
    assert geo.round_for_privacy(18.7883, 98.9849) == (18.7875, 98.9825)  # next one west
    assert geo.round_for_privacy(-0.0001, -0.0001) == (-0.0025, -0.0025)
    # Cells are 0.005° of latitude (556 m) by 0.005° of longitude (527 m here).
    north_south = geo.distance_km(18.7875, 98.9875, 18.7925, 98.9875)
    east_west = geo.distance_km(18.7875, 98.9875, 18.7875, 98.9825)
    assert north_south == pytest.approx(0.556, abs=0.001)
    assert east_west == pytest.approx(0.526, abs=0.001)


@pytest.mark.parametrize(
    ("place", "lat", "lon", "inside"),
    [
        ("Betong, the southern tip", 5.62, 101.1, True),
        ("Malaysia south of Betong", 5.55, 101.1, False),
        ("Mae Sai, the northern tip", 20.46, 99.9, True),
        ("Myanmar north of Mae Sai", 20.6, 99.9, False),
        ("Mae Hong Son's west edge", 18.6, 97.35, True),
        ("Myanmar west of Mae Hong Son", 18.6, 97.2, False),
        ("Khong Chiam, the eastern tip", 15.3, 105.64, True),
        ("Laos east of Khong Chiam", 15.3, 105.8, False),
        ("the box's south-west corner", 5.6, 97.3, True),
        ("the box's north-east corner", 20.5, 105.7, True),
        ("Bangkok", *BANGKOK, True),
    ],
)
def test_thailands_box_holds_its_four_tips_and_not_its_neighbours(place, lat, lon, inside):
    assert geo.in_thailand_box(lat, lon) is inside, place


@pytest.mark.parametrize(("low", "high"), [(13.70, 13.80), (13.7525, 13.7575), (-0.01, 0.012)])
def test_the_cell_centres_of_a_band_are_exactly_the_public_pins_in_it(low, high):
    # Every public pin of the band, as pins are rounded, found by walking it in tiny steps.
    pins = {geo.round_for_privacy(low + (high - low) * i / 10_000, 0.0)[0] for i in range(10_001)}
    assert geo.cell_centres(low, high) == sorted(p for p in pins if low <= p <= high)
    assert geo.cell_centres(13.7526, 13.7549) == []  # between two centres: none
