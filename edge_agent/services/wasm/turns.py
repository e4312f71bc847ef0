"""Whose turn it is on a worker: first come first served per service, round robin between services.

A worker runs one request at a time. When several services share it, a plain FIFO would let
one service's backlog (a flood of calls, or calls that each spin to their deadline) delay a
neighbour's call by the whole backlog; with a queue per service taken in turn, a neighbour's
call waits for at most one call of each other service. `TurnQueue` is that rule, pure; the two
gates wait for a turn with threads (`ThreadTurns`) or on an event loop (`LoopTurns`), and
`acquire` gives up (`TimeoutError`) when a caller's time runs out before its turn comes.
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

    def pop(self) -> W | None:
        """The next waiter (None if there is none); its service goes to the back of the round."""
        if not self._queues:
            return None
        service, queue = self._queues.popitem(last=False)
        waiter = queue.popleft()
        if queue:
            self._queues[service] = queue
        return waiter

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
        self._busy = False
        self._queue: TurnQueue[threading.Event] = TurnQueue()

    def acquire(self, service: str, timeout: float | None = None) -> float:
        """Wait for a turn; the seconds waited. `TimeoutError` after `timeout` seconds."""
        with self._mutex:
            if not self._busy:
                self._busy = True
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
            waiter = self._queue.pop()
            if waiter is None:
                self._busy = False
            else:
                waiter.set()


class LoopTurns:
    """Turns on one worker for coroutines of one event loop."""

    def __init__(self) -> None:
        self._busy = False
        self._queue: TurnQueue[asyncio.Future[None]] = TurnQueue()

    async def acquire(self, service: str, timeout: float | None = None) -> float:
        """Wait for a turn; the seconds waited. `TimeoutError` after `timeout` seconds; a
        cancelled waiter leaves the queue (and passes on a turn it was just given)."""
        if not self._busy:
            self._busy = True
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
            waiter = self._queue.pop()
            if waiter is None:
                self._busy = False
                return
            if not waiter.done():
                waiter.set_result(None)
                return
