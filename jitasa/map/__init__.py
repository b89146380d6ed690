"""The map: layers of clusters and points for a viewport, as GeoJSON."""
