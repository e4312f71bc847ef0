"""The tasks that hand `peer.timeout` results to the core when they fall due.

A stranger's fold of timeouts would hold a task and a timer per call for as long as it asks,
so they are bounded in number, all particles together, and die with their particle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

__all__ = ["DelayedCalls"]

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[Any]"]


class DelayedCalls:
    """At most `limit` waiting tasks, grouped by particle so its end cancels them."""

    def __init__(self, spawn: Spawn, limit: int) -> None:
        self._spawn = spawn
        self.limit = limit
        self._by_particle: dict[str, set[asyncio.Task[Any]]] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def schedule(self, particle_id: str, make: Callable[[], Coroutine[Any, Any, None]]) -> bool:
        """Run `make()` as a task of `particle_id`'s; False (nothing started) when full."""
        if self._count >= self.limit:
            return False
        task = self._spawn(make())
        waiting = self._by_particle.setdefault(particle_id, set())
        waiting.add(task)
        self._count += 1

        def done(t: asyncio.Task[Any]) -> None:
            waiting.discard(t)
            self._count -= 1
            if not waiting and self._by_particle.get(particle_id) is waiting:
                del self._by_particle[particle_id]

        task.add_done_callback(done)
        return True

    def forget(self, particle_id: str) -> None:
        """Cancel the particle's waiting tasks: nothing can use their results any more."""
        for task in list(self._by_particle.get(particle_id, ())):
            task.cancel()
