"""Vaccination: coverage aggregates per area and date; the residents register and doses."""
