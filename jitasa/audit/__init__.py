"""The audit log: who did what to whom, and who read whose personal data."""
