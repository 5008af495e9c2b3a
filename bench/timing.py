"""Timing requests in-process, shared by the benchmarks that time pages (median and p90)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(repeat: int, call: Callable[[int], object]) -> list[float]:
    """Milliseconds each of `repeat` calls took; the call gets its index."""
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(
    name: str,
    times: list[float],
    baseline: float | None,
    queries: int,
    size: int,
    width: int = 28,
) -> str:
    """One line: median, p90, ratio to the baseline's median, queries and response size."""
    median = statistics.median(times)
    p90 = statistics.quantiles(times, n=10)[-1] if len(times) >= 10 else max(times)
    ratio = f"{median / baseline:5.1f}x baseline" if baseline else "baseline"
    return (
        f"{name:<{width}} median {median:7.1f} ms   p90 {p90:7.1f} ms   {ratio:<16}"
        f" {queries:3d} queries   {size / 1024:7.1f} KiB"
    )
