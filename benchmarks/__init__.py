"""Benchmarks of Jitasa, run as `python -m benchmarks`; they report, they never assert."""
