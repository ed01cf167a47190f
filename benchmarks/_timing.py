"""Timing helper shared by the benchmarks: the best of a few runs (the least disturbed by the
other work of a shared machine), with the last result."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """``(fastest wall time of repeat calls of fn in seconds, the last call's result)``."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
