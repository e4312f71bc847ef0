"""Which mDNS instances are being resolved, and which wait for their turn (discovery.py).

zeroconf tells the browser of an instance once, when its PTR record is new (`Added`); the
refreshes that follow say nothing. So an instance that finds every resolve slot taken must
not be dropped: it would stay unknown for as long as it is up (a stranger's flood of names,
or a hundred devices booting at once, hid the ones that came last). It waits here instead,
and starts when a resolve ends. The waiting list is bounded too: past it, the instance
that waited longest gives way. No I/O of its own: `resolve(name)` is the coroutine that
resolves a name, run here as a task.
"""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["Resolves"]


class Resolves:
    """At most `limit` resolves at once (keyed by lower-cased instance name), at most
    `waiting_limit` names waiting; a name announced again while it resolves is resolved
    once more afterwards."""

    def __init__(
        self,
        resolve: Callable[[str], Coroutine[Any, Any, None]],
        *,
        limit: int,
        waiting_limit: int,
        on_full: Callable[[str], None] = lambda name: None,
    ) -> None:
        self._resolve = resolve
        self.limit = limit
        self.waiting_limit = waiting_limit
        self._on_full = on_full
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()
        self._waiting: OrderedDict[str, str] = OrderedDict()  # key -> name, oldest first
        self.gave_way = 0
        """Names that left the waiting list unresolved, for a newer one."""
        self.closed = False

    def __len__(self) -> int:
        """Resolves running."""
        return len(self._running)

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def tasks(self) -> list[asyncio.Task[None]]:
        return list(self._running.values())

    def want(self, name: str) -> None:
        """Resolve `name` now, after its resolve running now, or when a slot frees."""
        key = name.lower()
        if key in self._running:
            self._again.add(key)  # changed while resolving: look again afterwards
            return
        if len(self._running) >= self.limit:
            if not self._waiting:
                self._on_full(name)
            self._waiting[key] = name
            self._waiting.move_to_end(key)
            if len(self._waiting) > self.waiting_limit:
                self._waiting.popitem(last=False)
                self.gave_way += 1
            return
        task = asyncio.get_running_loop().create_task(self._resolve(name))
        self._running[key] = task
        task.add_done_callback(functools.partial(self._done, key, name))

    def forget(self, name: str) -> None:
        """The instance said goodbye: stop resolving it, and do not start it later."""
        key = name.lower()
        task = self._running.pop(key, None)
        if task is not None:
            task.cancel()
        self._again.discard(key)
        self._waiting.pop(key, None)

    def close(self) -> list[asyncio.Task[None]]:
        """Start nothing more; cancel what runs and return it (to await)."""
        self.closed = True
        self._waiting.clear()
        self._again.clear()
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        return tasks

    def _done(self, key: str, name: str, task: asyncio.Task[None]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if self.closed:
            return
        if key in self._again:
            self._again.discard(key)
            if not task.cancelled():
                self.want(name)
        while self._waiting and len(self._running) < self.limit:
            _, waited = self._waiting.popitem(last=False)
            self.want(waited)
