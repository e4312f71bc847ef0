"""Holding a service's calls while an update moves its data.

An update that migrates copies the service's KV file, runs ``migrate`` on the copy and renames
the copy over the original (`services.updates`). A write the old version made in between --
the old version serves until the switch -- would be lost with the file it went to. So the
update holds the service first: `hold` makes new calls of it wait and returns once the calls
already running have ended; the copy is taken then, and `release` (once the new version
serves, or the old one again) lets the waiting calls go on, to whichever version serves.

A held call waits no longer than its particle lives (or `const.UPDATE_HOLD_MAX_S`), then
fails with ret_code 9 (unavailable): a holding update is bounded (the migration by its
call's deadline, the rest by file writes and a module load), but a caller must never hang.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from edge_agent import const
from edge_agent.services.base import ServiceError
from edge_agent.services.wasm.abi import CallErrorCode

__all__ = ["CallGate"]


class CallGate:
    """Which services are held, and how many calls of each are running."""

    def __init__(self) -> None:
        self._running: Counter[str] = Counter()
        self._held: dict[str, asyncio.Event] = {}
        """Held service -> set when it is released."""
        self._idle: dict[str, asyncio.Event] = {}
        """Held service -> set when its last running call ended."""

    def held(self, name: str) -> bool:
        return name in self._held

    @asynccontextmanager
    async def call(self, name: str, deadline_ms: int | None) -> AsyncIterator[None]:
        """Around one call of service `name`: waits while it is held (`ServiceError` 9 past
        `deadline_ms`, wall clock, or `const.UPDATE_HOLD_MAX_S`), counted while it runs."""
        released = self._held.get(name)
        if released is not None:
            wait = const.UPDATE_HOLD_MAX_S
            if deadline_ms is not None:
                wait = min(wait, max(0.0, deadline_ms / 1000 - time.time()))
            try:
                async with asyncio.timeout(wait):
                    while (released := self._held.get(name)) is not None:
                        await released.wait()
            except TimeoutError:
                raise ServiceError(
                    f"service {name} is being updated; the call waited {wait:.1f} s for it",
                    ret_code=CallErrorCode.UNAVAILABLE,
                ) from None
        self._running[name] += 1
        try:
            yield
        finally:
            self._running[name] -= 1
            if not self._running[name]:
                del self._running[name]
                idle = self._idle.get(name)
                if idle is not None:
                    idle.set()

    async def hold(self, name: str) -> None:
        """Hold the calls of `name` that come from now on; return once none is running.
        (Each running call is bounded by its deadline, so this ends.)"""
        if name in self._held:
            raise RuntimeError(f"service {name} is held already")
        self._held[name] = asyncio.Event()
        idle = self._idle[name] = asyncio.Event()
        if not self._running.get(name):
            idle.set()
        try:
            await idle.wait()
        except BaseException:
            self.release(name)
            raise
        finally:
            self._idle.pop(name, None)

    def release(self, name: str) -> None:
        """Let the held calls of `name` go on (nothing if it is not held)."""
        released = self._held.pop(name, None)
        self._idle.pop(name, None)
        if released is not None:
            released.set()
