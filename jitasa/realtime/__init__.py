"""Live updates: the outbox dispatcher, the hub that fans events out, and the SSE stream.

This package sits above the domains: they record events (jitasa/core/events.py) and never import it.
"""
