"""Signing in: texted one-time codes, staff passwords, and the throttles that guard both."""
