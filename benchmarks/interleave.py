"""Two throughputs compared in alternating short windows, on a machine others use (issue 12).

On a busy machine the CPU share a benchmark gets drifts from one second to the next (other
work starts and stops: a Pi runs other work too), so two rates measured one after the other
compare two different machines: measured that way, the agent's share of bare aiocoap swung
from 86% to 23% between rounds under one and the same controlled load. Here both sides stay
up for the whole measurement in the same process tree (each server idle while the other side
is measured) and take turns in windows of `window` requests: A then B, then B then A, so each
goes first equally often and a steady drift cancels out. Each round gives one ratio B/A from
two windows seconds apart; the median of the ratios is the figure, and their spread (lowest
to highest) shows how much the machine moved under it. A request that fails counts against
its window (its time is spent, nothing is completed).
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Once = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Window:
    """One window of one side: requests completed per second, and requests that failed."""

    per_s: float
    failed: int


@dataclass(frozen=True, slots=True)
class Rounds:
    """The windows of both sides, round by round (`a[i]` and `b[i]` are one round)."""

    a: tuple[Window, ...]
    b: tuple[Window, ...]

    @property
    def ratios(self) -> tuple[float, ...]:
        """B's rate over A's, per round."""
        return tuple(b.per_s / a.per_s for a, b in zip(self.a, self.b, strict=True))

    @property
    def median(self) -> float:
        return statistics.median(self.ratios)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.ratios), max(self.ratios)

    def rate(self, side: str) -> float:
        """The median rate of side "a" or "b" over its windows."""
        return statistics.median(w.per_s for w in (self.a if side == "a" else self.b))

    def failed(self, side: str) -> int:
        return sum(w.failed for w in (self.a if side == "a" else self.b))


async def window(total: int, in_flight: int, once: Once) -> Window:
    """`total` requests shared by `in_flight` workers: completed per second, and failures
    (a request that raises RuntimeError)."""
    remaining, failed = total, 0

    async def worker() -> None:
        nonlocal remaining, failed
        while remaining > 0:
            remaining -= 1
            try:
                await once()
            except RuntimeError:
                failed += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return Window((total - failed) / (time.perf_counter() - start), failed)


async def interleave(rounds: int, size: int, in_flight: int, a: Once, b: Once) -> Rounds:
    """`rounds` rounds of one window of `size` requests per side, alternating which goes first."""
    a_windows: list[Window] = []
    b_windows: list[Window] = []
    for i in range(rounds):
        if i % 2 == 0:
            a_windows.append(await window(size, in_flight, a))
            b_windows.append(await window(size, in_flight, b))
        else:
            b_windows.append(await window(size, in_flight, b))
            a_windows.append(await window(size, in_flight, a))
    return Rounds(tuple(a_windows), tuple(b_windows))


def describe(rounds: Rounds) -> str:
    """"median 71% (per round 70% 75% 66% ...; spread 66-75%)"."""
    per_round = " ".join(f"{r:.0%}" for r in rounds.ratios)
    low, high = rounds.spread
    return f"median {rounds.median:.0%} (per round {per_round}; spread {low:.0%}-{high:.0%})"
