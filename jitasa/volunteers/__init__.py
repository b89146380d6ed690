"""Volunteers: profiles (kind, skills, vehicle, home, radius), availability and verification."""
