"""The one millisecond wall clock."""

from __future__ import annotations

import time

from edge_agent.clock import now_ms


def test_now_ms_is_integer_wall_clock_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    now = now_ms()
    after = time.time_ns() // 1_000_000
    assert isinstance(now, int) and before <= now <= after
