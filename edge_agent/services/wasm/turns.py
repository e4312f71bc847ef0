"""Whose turn it is on a worker: first come first served per service, round robin between services.

A worker runs one request at a time. When several services share it, a plain FIFO would let
one service's backlog (a flood of calls, or calls that each spin to their deadline) delay a
neighbour's call by the whole backlog; with a queue per service taken in turn, a neighbour's
call waits for at most one call of each other service (the service whose turn just ended
goes to the back of the round). `TurnQueue` is that rule, pure; the two gates wait for a
turn with threads (`ThreadTurns`) or on an event loop (`LoopTurns`), and `acquire` gives up
(`TimeoutError`) when a caller's time runs out before its turn comes.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict, deque
from typing import Generic, TypeVar

W = TypeVar("W")


class TurnQueue(Generic[W]):
    """Waiters by service: `pop` takes the oldest waiter of the service whose turn it is."""

    def __init__(self) -> None:
        self._queues: OrderedDict[str, deque[W]] = OrderedDict()

    def __bool__(self) -> bool:
        return bool(self._queues)

    def __len__(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def push(self, service: str, waiter: W) -> None:
        """Queue `waiter` behind the earlier waiters of `service`."""
        self._queues.setdefault(service, deque()).append(waiter)

    def pop(self, after: str | None = None) -> tuple[str, W] | None:
        """The next waiter and its service (None if there is none); that service goes to the
        back of the round. `after` is the service whose turn just ended: others go first."""
        if not self._queues:
            return None
        if after is not None and len(self._queues) > 1 and next(iter(self._queues)) == after:
            self._queues.move_to_end(after)
        service, queue = self._queues.popitem(last=False)
        waiter = queue.popleft()
        if queue:
            self._queues[service] = queue
        return service, waiter

    def discard(self, service: str, waiter: W) -> None:
        """Forget a waiter that stopped waiting (no error if it is not queued)."""
        queue = self._queues.get(service)
        if queue is None:
            return
        try:
            queue.remove(waiter)
        except ValueError:
            return
        if not queue:
            del self._queues[service]


class ThreadTurns:
    """Turns on one worker for threads."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._holder: str | None = None
        """The service whose turn it is (None: nobody's)."""
        self._queue: TurnQueue[threading.Event] = TurnQueue()

    @property
    def waiting(self) -> int:
        """How many callers wait for a turn."""
        return len(self._queue)

    def acquire(self, service: str, timeout: float | None = None) -> float:
        """Wait for a turn; the seconds waited. `TimeoutError` after `timeout` seconds."""
        with self._mutex:
            if self._holder is None:
                self._holder = service
                return 0.0
            granted = threading.Event()
            self._queue.push(service, granted)
        started = time.monotonic()
        if not granted.wait(timeout):
            with self._mutex:
                if not granted.is_set():
                    self._queue.discard(service, granted)
                    raise TimeoutError()
        return time.monotonic() - started

    def release(self) -> None:
        """End the current turn and give the next one."""
        with self._mutex:
            following = self._queue.pop(after=self._holder)
            if following is None:
                self._holder = None
            else:
                self._holder, waiter = following
                waiter.set()


class LoopTurns:
    """Turns on one worker for coroutines of one event loop."""

    def __init__(self) -> None:
        self._holder: str | None = None
        """The service whose turn it is (None: nobody's)."""
        self._queue: TurnQueue[asyncio.Future[None]] = TurnQueue()

    @property
    def waiting(self) -> int:
        """How many callers wait for a turn."""
        return len(self._queue)

    async def acquire(self, service: str, timeout: float | None = None) -> float:
        """Wait for a turn; the seconds waited. `TimeoutError` after `timeout` seconds; a
        cancelled waiter leaves the queue (and passes on a turn it was just given)."""
        if self._holder is None:
            self._holder = service
            return 0.0
        loop = asyncio.get_running_loop()
        granted: asyncio.Future[None] = loop.create_future()
        self._queue.push(service, granted)
        started = loop.time()
        try:
            await asyncio.wait_for(asyncio.shield(granted), timeout)
        except BaseException:
            if granted.done() and not granted.cancelled():
                self.release()  # the turn came with the cancellation: give it on
            else:
                granted.cancel()
                self._queue.discard(service, granted)
            raise
        return loop.time() - started

    def release(self) -> None:
        """End the current turn and give the next one."""
        while True:
            following = self._queue.pop(after=self._holder)
            if following is None:
                self._holder = None
                return
            service, waiter = following
            if not waiter.done():
                self._holder = service
                waiter.set_result(None)
                return
