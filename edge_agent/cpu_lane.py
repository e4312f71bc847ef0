"""Strangers' particles take turns on the event loop, and yield it to trusted work.

Every run of a particle is synchronous Python on the event loop's thread: the interpreter
cannot be interrupted. A stranger's heavy particle -- a fold of local calls, each call
followed by a run of up to `MAX_INTERPRETER_STEPS_PER_STRANGER_RUN` steps -- otherwise takes
turns with every other ready task, and k such particles leave each hop of a trusted
particle (its run, its call's result, the challenge that proves where to send its answer) a
k-th of the CPU. On a slow board under that attack a laptop's `call` ran out of its ttl
before the device had proven the laptop's address (issue 14).

So strangers' runs go one at a time, in the order they asked (`asyncio.Lock` is FIFO), and
each yields the loop when it is done: a hop of anyone else's work (a CoAP exchange, a
challenge, a trusted particle's run) waits for about one stranger's run, not for all of
them, nor for a time slice of them. And while trusted
work is in progress, strangers together get at most `share` of the time: after a stranger's
run of d seconds the lane stays closed for d * (1 - share) / share seconds, or until the
trusted work is done. Without trusted work in progress the lane never waits: strangers use
the CPU nobody else asks for.

This orders CPU only; what a stranger may hold (room, rate, budgets) is the core's to limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

__all__ = ["StrangerLane"]


class StrangerLane:
    """One stranger's run at a time, and a share of the time while trusted work waits."""

    def __init__(self, share: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"share must be in (0, 1], not {share!r}")
        self.share = share
        self._clock = clock
        self._lock = asyncio.Lock()
        self._trusted = 0  # trusted particles' work in progress
        self._no_trusted = asyncio.Event()
        self._no_trusted.set()
        self._open_at = 0.0  # when strangers may run again while trusted work is in progress
        self.turns = 0
        self.held_back = 0  # turns that waited for trusted work
        self.used_s = 0.0  # strangers' run time in all
        self._trusted_work = _TrustedWork(self)

    def work(self, trusted: bool) -> contextlib.AbstractContextManager[None]:
        """A context manager for work on a particle: when `trusted`, trusted work is in
        progress in its block, so strangers get their share of the time only (one object,
        reused: this is on every trusted particle's path); else it does nothing."""
        return self._trusted_work if trusted else _NOTHING

    def _trusted_began(self) -> None:
        self._trusted += 1
        self._no_trusted.clear()

    def _trusted_ended(self) -> None:
        self._trusted -= 1
        if not self._trusted:
            self._no_trusted.set()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """A stranger's run: wait for the lane, run the block, and close the lane for the
        rest of the trusted work's share of the time it took."""
        async with self._lock:
            await self._wait_open()
            started = self._clock()
            try:
                yield
            finally:
                ended = self._clock()
                used = ended - started
                self.turns += 1
                self.used_s += used
                self._open_at = ended + used * (1.0 - self.share) / self.share
        # Everything ready meanwhile goes before this stranger's next run: a hop of anyone
        # else's exchange (a CoAP request, a challenge, /status) waits for one run, not for
        # a time slice of them.
        await asyncio.sleep(0)

    async def _wait_open(self) -> None:
        if self._trusted and self._open_at > self._clock():
            self.held_back += 1
        while self._trusted and (wait := self._open_at - self._clock()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._no_trusted.wait(), wait)

    def stats(self) -> dict[str, float | int]:
        return {
            "share": self.share,
            "turns": self.turns,
            "held_back": self.held_back,
            "used_s": round(self.used_s, 3),
            "trusted_in_progress": self._trusted,
        }


_NOTHING: contextlib.AbstractContextManager[None] = contextlib.nullcontext()


class _TrustedWork:
    __slots__ = ("_lane",)

    def __init__(self, lane: StrangerLane) -> None:
        self._lane = lane

    def __enter__(self) -> None:
        self._lane._trusted_began()

    def __exit__(self, *exc: object) -> None:
        self._lane._trusted_ended()
