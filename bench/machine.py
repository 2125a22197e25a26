"""How fast and how busy the machine is, printed by each bench before its figures.

This VM's speed varies by up to 2x between runs (a fixed loop takes 32 ms in one hour and 60 ms
in the next), so every bench prints both, and figures are comparable only at similar checks.
"""

from __future__ import annotations

import math
import time


def cpu_check() -> float:
    """Milliseconds a fixed pure-Python loop takes (best of 5): to compare machines and runs."""
    best = math.inf
    for _ in range(5):
        started = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return best * 1000


def machine_busy(seconds: float = 3.0) -> float:
    """How busy the machine's CPUs are over a few seconds, before the bench loads them."""
    import psutil

    return psutil.cpu_percent(interval=seconds) / 100


def machine_line(busy: float | None = None) -> str:
    """One line: how busy the machine was (measured now unless given) and how fast its fixed loop
    ran."""
    busy = machine_busy() if busy is None else busy
    return (
        f"Machine busy before the bench: {busy:.0%}; "
        f"CPU check (fixed loop, best of 5): {cpu_check():.0f} ms (32 ms on this VM at its fastest)"
    )
