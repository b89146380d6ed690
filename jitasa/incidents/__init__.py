"""Incidents (COVID-19, floods, PM2.5…) with their categories, SLAs and expiry."""
