"""Where people live, roughly: district weights and random points inside district polygons.

There is no population file in the repository, so districts are weighted by an honest
heuristic (see `district_weight`) and points are drawn uniformly inside each district's polygon.
Because rural districts are large and Bangkok's are small, uniform points inside districts of
similar weight already make the city far denser per km² than the countryside.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from jitasa.areas.boundaries import read_boundary_file
from jitasa.demo import PACKAGED_BOUNDARIES

SHARED_DISTRICTS = Path(__file__).resolve().parents[2] / "shared/data/boundaries/th_adm2.geojson"
BANGKOK = "10"
# Samut Prakan, Nonthaburi, Pathum Thani, Nakhon Pathom, Samut Sakhon: Bangkok's suburbs.
BANGKOK_VICINITY = {"11", "12", "13", "73", "74"}
BANGKOK_WEIGHT = 4.0  # a khet: ~110,000 registered residents, many more who live there unregistered
CAPITAL_WEIGHT = 4.0  # a Mueang district (code xx01): the provincial town, ~3× a typical district
VICINITY_WEIGHT = 2.0  # suburban districts around Bangkok
RURAL_WEIGHT = 1.0  # every other district: ~60,000 residents on average


def district_weight(code: str) -> float:
    """Return how many typical districts' worth of people live in a district (heuristic)."""
    province = code[:2]
    if province == BANGKOK:
        return BANGKOK_WEIGHT
    if code.endswith("01"):
        return CAPITAL_WEIGHT
    if province in BANGKOK_VICINITY:
        return VICINITY_WEIGHT
    return RURAL_WEIGHT


def district_file() -> Path:
    """Return the district boundary file: ../shared/data, else the copy packaged with Jitasa."""
    return SHARED_DISTRICTS if SHARED_DISTRICTS.exists() else PACKAGED_BOUNDARIES[1]


@dataclass(frozen=True)
class Districts:
    """The districts with their polygons and their share of the population."""

    codes: list[str]
    geometries: list[BaseGeometry]
    shares: np.ndarray

    @classmethod
    def load(cls, known_codes: set[str]) -> "Districts":
        """Read the district boundaries (only codes the areas table knows) and weight them."""
        boundaries = sorted(read_boundary_file(district_file(), known_codes), key=lambda b: b.code)
        weights = np.array([district_weight(b.code) for b in boundaries])
        geometries = [b.geometry for b in boundaries]
        for geometry in geometries:
            shapely.prepare(geometry)
        return cls([b.code for b in boundaries], geometries, weights / weights.sum())

    def sample(
        self, count: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return `count` (lat, lon, district index) points spread like the population, shuffled."""
        per_district = rng.multinomial(count, self.shares)
        lats, lons, owners = [], [], []
        for index, wanted in enumerate(per_district.tolist()):
            if wanted:
                lat, lon = _inside(self.geometries[index], wanted, rng)
                lats.append(lat)
                lons.append(lon)
                owners.append(np.full(wanted, index, dtype=np.int32))
        if not lats:
            return np.empty(0), np.empty(0), np.empty(0, dtype=np.int32)
        order = rng.permutation(count)
        return (
            np.concatenate(lats)[order],
            np.concatenate(lons)[order],
            np.concatenate(owners)[order],
        )


def _inside(geometry: BaseGeometry, count: int, rng: np.random.Generator):
    """Draw `count` uniform points inside a polygon by rejection from its bounding box."""
    west, south, east, north = geometry.bounds
    box_area = (east - west) * (north - south)
    share = max(geometry.area / box_area, 0.01) if box_area else 1.0
    lats, lons, found = [], [], 0
    while found < count:
        tries = int((count - found) / share * 1.2) + 16
        lon = rng.uniform(west, east, tries)
        lat = rng.uniform(south, north, tries)
        keep = shapely.contains_xy(geometry, lon, lat)
        lons.append(lon[keep])
        lats.append(lat[keep])
        found += int(keep.sum())
    return np.concatenate(lats)[:count], np.concatenate(lons)[:count]
