"""Facilities: hospitals, field hospitals, waiting centres… with their capacity and history."""
