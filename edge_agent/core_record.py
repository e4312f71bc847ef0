"""What the particle core keeps of one particle (`core.ParticleCore`'s table): its envelope,
its data so far, the calls it waits for, what it has spent, and where its next run goes on."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge_agent.air.calls import CallResult
from edge_agent.air.context import RunParams
from edge_agent.air.data import Data
from edge_agent.air.interpreter import Resume, Script
from edge_agent.core_events import Envelope
from edge_agent.trace import PeerTrace

__all__ = ["Record", "idle_stranger"]


@dataclass(slots=True)
class Record:
    envelope: Envelope
    script: Script | None
    params: RunParams
    trusted: bool
    local: bool
    data: Data = field(default_factory=Data)
    pending: set[str] = field(default_factory=set)
    results: dict[str, CallResult] = field(default_factory=dict)
    digests: dict[str, bytes] = field(default_factory=dict)
    weight: int = 0  # of its largest copy's data; and of its resume point:
    resume_weight: int = 0
    steps: int = 0
    cpu_s: float = 0.0
    last_active_ms: int = 0
    reported: bool = False
    """This peer sent the init peer its failure report (one per particle)."""
    reporters: set[str] = field(default_factory=set)
    """At the init peer: the peers whose failure reports it took."""
    trace: PeerTrace | None = None
    """What this peer did with a traced particle (`core_trace`); None when not traced."""
    resume: Resume | None = None  # where the next run goes on from (air/resume.py), with `data`

    @property
    def deadline_ms(self) -> int:
        return self.envelope.timestamp_ms + self.envelope.ttl_ms


def idle_stranger(rec: Record, now_ms: int, idle_ms: int) -> bool:
    """Whether `rec` is a stranger's particle with nothing running here for over `idle_ms`."""
    return not rec.trusted and not rec.pending and now_ms - rec.last_active_ms > idle_ms
