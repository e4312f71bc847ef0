"""The garbage collector's settings for a running agent, and why they are not Python's.

An agent holds up to `particles.max_in_progress` particles for seconds each: records, data,
seals and resume points, tens of tracked objects a particle. Python's defaults collect
the young generation every 700 net allocations, which on a busy agent is every dozen or so
particles: each particle's objects are then walked while still alive, promoted, and walked
again by the middle generation's collections, and every full collection also walks the
modules, classes and functions loaded at start, which live as long as the process. In
node_bench's laptop process that was 35-48 us of each one-hop round trip's 0.7 ms.

So, once the agent has started: what is alive then is frozen (never walked again -- it
lives until exit anyway), and the young generation is collected every
`GC_YOUNG_THRESHOLD` net allocations, by when most particles' objects are gone already
(refcounting frees them; the collector only walks what is still alive). Cycles still go:
the collector runs as before, only less often, and a collection walks the same live
objects it would have walked anyway.
"""

from __future__ import annotations

import gc

from edge_agent import const

__all__ = ["settle", "stats"]


def settle(young_threshold: int = const.GC_YOUNG_THRESHOLD) -> None:
    """Freeze what is alive now and collect the young generation less often (see above).
    Call once, when the process has finished starting; calling it again freezes what was
    added meanwhile."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(young_threshold, middle, old)


def stats() -> dict[str, object]:
    """What /status shows of the collector: collections per generation (young first), the
    objects frozen by `settle` (0 before it ran) and the young generation's threshold."""
    return {
        "collections": [generation["collections"] for generation in gc.get_stats()],
        "frozen": gc.get_freeze_count(),
        "young_threshold": gc.get_threshold()[0],
    }
