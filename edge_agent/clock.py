"""The agent's one wall clock in milliseconds: particle timestamps, ttls and deadlines.

Durations and timeouts use `time.monotonic()` directly; this is only for instants that
other peers read (a particle's timestamp) or that are compared with them (its deadline).
Code that needs another clock takes it as a parameter, with this one as the default.
"""

from __future__ import annotations

import time

__all__ = ["now_ms"]


def now_ms() -> int:
    """Milliseconds since the Unix epoch, by the wall clock (integer arithmetic, no float)."""
    return time.time_ns() // 1_000_000
