"""Percentiles and throughput of timed samples."""

import statistics
import time
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Timing:
    """Latency percentiles (milliseconds) and throughput (per second) of one scenario."""

    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    per_second: float

    def as_dict(self) -> dict:
        """Return the timing as JSON-ready data."""
        return asdict(self)


def summarise(samples_seconds: list[float], wall_seconds: float) -> Timing:
    """Summarise per-operation samples and the wall time they took together."""
    cuts = statistics.quantiles(samples_seconds, n=100, method="inclusive")
    return Timing(
        count=len(samples_seconds),
        p50_ms=round(cuts[49] * 1000, 4),
        p95_ms=round(cuts[94] * 1000, 4),
        p99_ms=round(cuts[98] * 1000, 4),
        per_second=round(len(samples_seconds) / wall_seconds, 1),
    )


class Budget:
    """A time limit for a measuring loop that still lets it take a minimum of samples."""

    def __init__(self, seconds: float, minimum: int = 20) -> None:
        self.deadline = time.perf_counter() + seconds
        self.minimum = minimum

    def spent(self, samples: int) -> bool:
        """Tell whether the loop should stop: past the deadline with enough samples."""
        return samples >= self.minimum and time.perf_counter() > self.deadline
