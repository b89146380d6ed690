"""Distances, bounding boxes and the privacy rounding of pins."""

import math

EARTH_RADIUS_KM = 6371.0088
# About 500 m: 0.005° of latitude is 556 m; longitude cells shrink with latitude (≤ 556 m).
PRIVACY_GRID_DEGREES = 0.005
THAILAND_BOUNDS = (97.3, 5.6, 105.7, 20.5)  # west, south, east, north


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance between two points in kilometres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bbox_around(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """Return (west, south, east, north) of a box holding every point within the radius."""
    d_lat = math.degrees(radius_km / EARTH_RADIUS_KM)
    d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
    return lon - d_lon, lat - d_lat, lon + d_lon, lat + d_lat


def round_for_privacy(lat: float, lon: float) -> tuple[float, float]:
    """Move a pin to the centre of its ~500 m grid cell, the only position shown publicly."""
    step = PRIVACY_GRID_DEGREES

    def snap(value: float) -> float:
        return round((math.floor(value / step) + 0.5) * step, 4)

    return snap(lat), snap(lon)


def cell_centres(low: float, high: float) -> list[float]:
    """Return the public coordinates (cell centres, as `round_for_privacy` gives them) that
    lie within [low, high] degrees, low to high."""
    step = PRIVACY_GRID_DEGREES
    first, last = math.floor(low / step) - 1, math.floor(high / step) + 1
    centres = (round((k + 0.5) * step, 4) for k in range(first, last + 1))
    return [c for c in centres if low <= c <= high]


def in_thailand_box(lat: float, lon: float) -> bool:
    """Tell whether a point lies in Thailand's bounding box (a quick, coarse check)."""
    west, south, east, north = THAILAND_BOUNDS
    return south <= lat <= north and west <= lon <= east
