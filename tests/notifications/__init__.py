"""Tests of the notification channels."""
