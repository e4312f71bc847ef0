"""A particle this peer started, as its starter sees it: what came back, and a wait for it.

The node (`edge_agent.node`) fills a `Run` in -- the client services collect responses and
errors, the core's failure news sets `failure` -- and the CLI waits on it. Holds no rules
about particles (those are the core's) and does no I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field

from edge_agent.air.calls import RET_UNREACHABLE
from edge_agent.air.data import Data, Kind
from edge_agent.core_events import FailureReported, Traced
from edge_agent.particle import Particle
from edge_agent.services.client import ClientServices

__all__ = ["Run", "unreachable_calls"]


def unreachable_calls(data: Data) -> list[str]:
    """Why the calls recorded in `data` as failed with error 14 could not reach their peer."""
    return [
        str(e.value[1])
        for e in data.entries.values()
        if e.kind is Kind.CALL_FAILED and e.value[0] == RET_UNREACHABLE
    ]


@dataclass(slots=True)
class Run:
    """A particle this peer started: its client services and a way to wait for results."""

    particle: Particle
    client: ClientServices
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    unreachable: list[str] = field(default_factory=list)
    """Why calls failed with error 14 (a peer could not be reached), as recorded in the
    particle's data -- the typed fact behind an error message that says so."""
    failure: FailureReported | None = None
    """The first uncaught error the particle met: on this peer, or reported (sealed) by the
    peer where it happened. AIR stops the particle there, so nothing else may ever come."""
    trace: list[Traced] = field(default_factory=list)
    """A traced particle's records, this peer's and each peer's report, as they came."""

    def failed(self, failure: FailureReported) -> None:
        """The particle failed (the first failure is kept): whoever waits stops waiting."""
        if self.failure is None:
            self.failure = failure
            self.changed.set()

    def learn(self, news: FailureReported | Traced) -> None:
        """The core's news of the particle: a failure (`failed`), or trace records."""
        if isinstance(news, FailureReported):
            self.failed(news)
        else:
            self.trace.append(news)
            self.changed.set()

    async def wait(self, *, timeout_s: float, responses: int = 1) -> bool:
        """Wait until `responses` responses, or an error, reached the client services, or the
        particle failed; False if `timeout_s` passed first."""
        deadline = time.monotonic() + timeout_s
        while len(self.client.responses) < responses and not self.client.errors and self.failure is None:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):  # no task per wait, unlike wait_for
                    await self.changed.wait()
        return True
