"""Shape of `GET /api/v1/map`: a GeoJSON FeatureCollection of clusters and points per layer."""

from typing import Any, Literal

from pydantic import BaseModel, Field


class Point(BaseModel):
    """A GeoJSON point: [lon, lat]."""

    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2)


class ClusterFeature(BaseModel):
    """Items of one layer counted in one grid cell; `bbox` is the cell, `properties` the counts."""

    type: Literal["Feature"]
    id: str
    bbox: list[float] = Field(min_length=4, max_length=4)
    geometry: Point
    properties: dict[str, Any]


class PointFeature(BaseModel):
    """One item of a layer, shown by its public view."""

    type: Literal["Feature"]
    id: str
    geometry: Point
    properties: dict[str, Any]


class MapFeatures(BaseModel):
    """The viewport's features; `totals` counts the items each layer holds in it."""

    type: Literal["FeatureCollection"]
    bbox: list[float] = Field(min_length=4, max_length=4)
    zoom: int
    totals: dict[str, int]
    features: list[ClusterFeature | PointFeature]
