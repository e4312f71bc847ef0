"""How much longer the tests' bounded waits may last on a slow CPU (tests only).

A wait for an outcome (a counter, a line, a process to start) is bounded so that a broken
build fails instead of hanging; the bound is set for this machine. .ci/arm runs the suite on
a CPU emulated 10-30x slower (qemu-user), where an agent under a stranger's flood shows the
same outcome later: it sets EDGE_AGENT_TEST_TIME_SCALE, which stretches such bounds, and
the latency bound of a prober that runs on the same slow CPU (its own work slows as much),
and nothing else (no product limit, no figure a benchmark reports).
"""

from __future__ import annotations

import os

TIME_SCALE_ENV = "EDGE_AGENT_TEST_TIME_SCALE"
TIME_SCALE = max(1.0, float(os.environ.get(TIME_SCALE_ENV, "1") or "1"))


def scaled(seconds: float) -> float:
    """`seconds` stretched by EDGE_AGENT_TEST_TIME_SCALE (1 unless .ci/arm sets it)."""
    return seconds * TIME_SCALE
