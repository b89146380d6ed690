"""Exports: requests, facilities and volunteers as CSV, XLSX or GeoJSON, streamed."""
