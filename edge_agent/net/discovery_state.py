"""The lifecycle and the timings of a `Discovery` (kept apart so that discovery.py holds
only what drives zeroconf; `edge_agent.net.discovery` re-exports both)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["DiscoveryTimings", "State"]


class State(enum.Enum):
    """Lifecycle of a `Discovery`; it runs once (NEW → RUNNING → STOPPED)."""

    NEW = "new"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"


@dataclass(slots=True)
class DiscoveryTimings:
    """Seconds from `start()` to each milestone (None: not reached), and `stop()`'s length."""

    browse_s: float | None = None
    """Browser running (zeroconf sockets open)."""
    registered_s: float | None = None
    """Probing done; our name is ours and the first announcement is out."""
    announced_s: float | None = None
    """All announcements sent (RFC 6762 §8.3)."""
    first_peer_s: float | None = None
    """First other peer resolved and in the address book."""
    stop_s: float | None = None
    """Duration of `stop()`: goodbyes sent and sockets closed."""
