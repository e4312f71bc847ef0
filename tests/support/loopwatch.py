"""Notice when a test blocks an asyncio event loop, and where.

Every loop made through the event loop policy (so every `asyncio.run` and
`asyncio.new_event_loop`) is a `WatchedLoop`: while it runs, a heartbeat callback every
`PERIOD_S` checks how late it ran. A loop whose heartbeat is more than the threshold late was
blocked — some callback ran that long without yielding. A watchdog thread looks at overdue
heartbeats while the block is still going on and keeps the blocked thread's stack, so the
report says what blocked the loop (a `proc.wait`, an fsync, a flock, ...), not only that
something did.

Time the loop's thread spent waiting for a CPU (another process had it: the machine is
shared) is not counted: it is read from the thread's /proc schedstat, and subtracted. Nor is
time spent in Python's garbage collector, whose full passes grow with everything the test
session has allocated, not with the code under test; nor is a late heartbeat for which the
watchdog saw no callback running (the loop was in its own select(), idle, and its process was
not given a CPU on time: a CPU quota throttles it without counting as waiting for a CPU);
nor one during which the watchdog thread itself never ran (the whole process, or the VM's
CPU, was held up: nothing says the loop's own code was to blame -- the price is that a C
extension holding the GIL that long on the loop thread goes unseen).
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from types import FrameType

PERIOD_S = 0.02
"""How often a running loop's heartbeat runs, in seconds."""
WATCHDOG_S = 0.01
"""How often the watchdog thread looks for overdue heartbeats, in seconds."""


@dataclass(frozen=True, slots=True)
class Stall:
    """A loop was blocked for `seconds` (not counting CPU starvation); `stack` is where its
    thread was while it was blocked (empty if the watchdog could not look in time)."""

    seconds: float
    stack: str

    def describe(self) -> str:
        where = self.stack or "    (the watchdog thread could not run during the block)\n"
        return f"the event loop was blocked for {self.seconds * 1000:.0f} ms; its thread was at:\n{where}"


class _GcClock:
    """Total time spent in garbage collection so far (gc.callbacks brackets each pass).

    Brackets may nest: a test that stands for a long collection brackets it itself, and a
    real one may run inside (the sampling thread allocates meanwhile); the outer one counts."""

    def __init__(self) -> None:
        self.total_s = 0.0
        self._started = 0.0
        self._depth = 0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._depth += 1
            if self._depth == 1:
                self._started = time.monotonic()
        elif self._depth:
            self._depth -= 1
            if not self._depth:
                self.total_s += time.monotonic() - self._started


_GC_CLOCK = _GcClock()


def _runqueue_ns(native_id: int) -> int:
    """Nanoseconds the thread has spent waiting for a CPU so far (0 if unknown)."""
    try:
        with open(f"/proc/self/task/{native_id}/schedstat", "rb") as fh:
            return int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0


_IDLE = "(no callback running: the loop was in its own select or bookkeeping)"


def _callback_stack(frame: FrameType) -> str:
    """The stack from the loop's running callback down to where the thread is (the loop's
    own frames and the test runner's above it say nothing); `_IDLE` if no callback runs."""
    frames = traceback.extract_stack(frame)
    starts = [
        i + 1
        for i, f in enumerate(frames)
        if f.name == "_run" and f.filename.endswith(os.path.join("asyncio", "events.py"))
    ]
    if not starts:
        return _IDLE
    return "".join(traceback.format_list(frames[starts[-1] :]))


class _Heartbeat:
    """The heartbeat of one loop while it runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop, watch: LoopWatch) -> None:
        self.loop = loop
        self.watch = watch
        self.thread_id = threading.get_ident()
        self.native_id = threading.get_native_id()
        self.due = 0.0
        self.stack = ""
        self._waited_ns = 0
        self._gc_s = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._mark()
        self._schedule()

    def _mark(self) -> None:
        """Note the time not to count so far: CPU starvation and garbage collection."""
        self._waited_ns = _runqueue_ns(self.native_id)
        self._gc_s = _GC_CLOCK.total_s

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _schedule(self) -> None:
        self.due = time.monotonic() + PERIOD_S
        self._handle = self.loop.call_later(PERIOD_S, self._beat)

    def _beat(self) -> None:
        late = time.monotonic() - self.due
        if late > self.watch.threshold_s:
            starved = (_runqueue_ns(self.native_id) - self._waited_ns) / 1e9
            collecting = _GC_CLOCK.total_s - self._gc_s
            blocked = late - starved - collecting
            if blocked > self.watch.threshold_s and self.stack not in (_IDLE, ""):
                self.watch.stalls.append(Stall(blocked, self.stack))
        self.stack = ""
        self._mark()
        self._schedule()

    def look(self, now: float) -> None:
        """From the watchdog thread: keep the loop thread's stack if the beat is overdue."""
        if self.stack or now - self.due <= self.watch.threshold_s:
            return
        frame = sys._current_frames().get(self.thread_id)
        if frame is not None:
            self.stack = _callback_stack(frame)


class LoopWatch:
    """The heartbeats of all running loops, the watchdog thread, and the stalls seen."""

    def __init__(self, threshold_s: float) -> None:
        self.threshold_s = threshold_s
        self.stalls: list[Stall] = []
        self._beats: set[_Heartbeat] = set()
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if _GC_CLOCK not in gc.callbacks:
            gc.callbacks.append(_GC_CLOCK)
        self._thread = threading.Thread(target=self._watchdog, name="loopwatch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def take_stalls(self) -> list[Stall]:
        stalls, self.stalls = self.stalls, []
        return stalls

    def attach(self, loop: asyncio.AbstractEventLoop) -> _Heartbeat:
        beat = _Heartbeat(loop, self)
        with self._mutex:
            self._beats.add(beat)
        beat.start()
        return beat

    def detach(self, beat: _Heartbeat) -> None:
        beat.stop()
        with self._mutex:
            self._beats.discard(beat)

    def _watchdog(self) -> None:
        while not self._stop.wait(WATCHDOG_S):
            with self._mutex:
                beats = list(self._beats)
            now = time.monotonic()
            for beat in beats:
                beat.look(now)


def watched_policy(watch: LoopWatch) -> asyncio.AbstractEventLoopPolicy:
    """An event loop policy whose loops report to `watch` while they run."""

    class WatchedLoop(asyncio.SelectorEventLoop):
        def run_forever(self) -> None:
            beat = watch.attach(self)
            try:
                super().run_forever()
            finally:
                watch.detach(beat)

    class WatchedPolicy(asyncio.DefaultEventLoopPolicy):
        def new_event_loop(self) -> asyncio.AbstractEventLoop:
            return WatchedLoop()

    if os.name != "posix":  # pragma: no cover - the project runs on Linux
        return asyncio.DefaultEventLoopPolicy()
    return WatchedPolicy()
