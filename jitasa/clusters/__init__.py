"""Exact map clusters: per-cell counts at every zoom, kept up to date on every write."""
