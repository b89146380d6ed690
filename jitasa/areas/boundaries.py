"""Read area boundaries from GeoJSON (OCHA `ADMn_PCODE` or plain DOPA code properties)."""

import gzip
import json
import re
from collections.abc import Container
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from jitasa.areas.locator import Boundary
from jitasa.core.errors import FieldError, Invalid
from jitasa.core.files import file_error
from jitasa.core.i18n import thai

# Thailand's province and district outlines shipped with Jitasa (gzip GeoJSON), by level.
PACKAGED_OUTLINES = {
    "provinces": Path(__file__).parent / "data" / "th_adm1.geojson.gz",
    "districts": Path(__file__).parent / "data" / "th_adm2.geojson.gz",
}

OCHA_PROPERTIES = ("ADM4_PCODE", "ADM3_PCODE", "ADM2_PCODE", "ADM1_PCODE")
DOPA_PROPERTIES = ("dopa_code", "area_code", "code", "adm_code")
# Thailand with a margin for its islands and sea borders.
THAILAND_BOUNDS = (97.0, 5.0, 106.0, 21.0)
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_REPORTED_ERRORS = 20


def read_boundary_file(path: Path, known_codes: Container[str]) -> list[Boundary]:
    """Read and check every feature of a boundary file; raise one error listing what is wrong."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _file_error("The boundary file is larger than 200 MB.")
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as boundary_file:
            document = json.load(boundary_file)
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as error:
        raise file_error(error, path=path, option="FILE", writing=False) from None
    except (OSError, EOFError) as error:  # a broken gzip, a failing disk
        raise _file_error("Cannot read the boundary file: {reason}.", reason=str(error)) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise _file_error(
            "The boundary file is not valid GeoJSON: {reason}.", reason=str(error)
        ) from None
    return parse_boundaries(document, known_codes)


def parse_boundaries(document: object, known_codes: Container[str]) -> list[Boundary]:
    """Turn a GeoJSON FeatureCollection into boundaries of known Thai areas, all or none."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise _file_error("The boundary file must be a GeoJSON FeatureCollection.")
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise _file_error("The boundary file has no features.")
    boundaries, errors = [], []
    for number, feature in enumerate(features, start=1):
        try:
            boundaries.append(_boundary(feature, known_codes))
        except _FeatureProblem as problem:
            errors.append(problem.as_field_error(number))
    if errors:
        if len(errors) == len(features) and all(e.field.endswith(".code") for e in errors):
            raise _file_error(
                "No feature carries a Thai area code (OCHA ADM1_PCODE…ADM3_PCODE like TH5001, "
                "or a DOPA code property); is this a boundary file of Thailand?",
                errors=errors[:MAX_REPORTED_ERRORS],
            )
        raise _file_error(
            "{count} of {total} features are not valid boundaries; nothing was loaded.",
            count=len(errors),
            total=len(features),
            errors=errors[:MAX_REPORTED_ERRORS],
        )
    return boundaries


class _FeatureProblem(Exception):
    """A reason one feature cannot be loaded."""

    def __init__(self, part: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.part, self.message, self.params = part, message, params

    def as_field_error(self, number: int) -> FieldError:
        """Name the feature and the part of it that is wrong."""
        name = f"features[{number}].{self.part}"
        return FieldError(
            name, self.message.format(**self.params), thai(self.message, **self.params)
        )


def _boundary(feature: object, known_codes: Container[str]) -> Boundary:
    """Check one feature and return its boundary."""
    if not isinstance(feature, dict):
        raise _FeatureProblem("type", "A feature must be a GeoJSON object.")
    code = _area_code(feature.get("properties") or {})
    if code not in known_codes:
        raise _FeatureProblem("code", "{code} is not a Thai area code.", code=code)
    return Boundary(code, _geometry(feature.get("geometry")))


def _area_code(properties: dict) -> str:
    """Find the DOPA code in a feature's properties."""
    for key in OCHA_PROPERTIES:
        value = str(properties.get(key) or "").strip()
        if value:
            if re.fullmatch(r"TH\d{2}(\d{2}){0,3}", value):
                return value[2:]
            raise _FeatureProblem("code", "{code} is not a Thai area code.", code=value)
    for key in DOPA_PROPERTIES:
        value = str(properties.get(key) or "").strip()
        if value:
            if re.fullmatch(r"\d{2}(\d{2}){0,3}", value):
                return value
            raise _FeatureProblem("code", "{code} is not a Thai area code.", code=value)
    raise _FeatureProblem("code", "The feature has no area code property.")


def _geometry(raw: object) -> BaseGeometry:
    """Check a feature's polygon: well formed, non-empty, and inside Thailand."""
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        raise _FeatureProblem("geometry", "The geometry must be a Polygon or MultiPolygon.")
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError):
        raise _FeatureProblem("geometry", "The geometry's coordinates are malformed.") from None
    if geometry.is_empty:
        raise _FeatureProblem("geometry", "The geometry is empty.")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    west, south, east, north = THAILAND_BOUNDS
    if min_lon < west or max_lon > east or min_lat < south or max_lat > north:
        raise _FeatureProblem("geometry", "The geometry lies outside Thailand.")
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return geometry


def _file_error(message: str, errors: list[FieldError] | None = None, **params: object) -> Invalid:
    """Return the error that refuses a whole boundary file."""
    return Invalid("areas.bad_boundary_file", message, params, errors or [])
