"""Shared timing helper for the benchmarks."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_max_ms(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """Run fn n times; (median, max) wall time in milliseconds."""
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)
