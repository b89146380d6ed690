"""Thailand's administrative areas: provinces, districts, subdistricts, villages, boundaries."""
