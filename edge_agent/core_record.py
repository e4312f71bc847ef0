"""What the particle core keeps of one particle (`core.ParticleCore`'s table): its envelope,
its data so far, the calls it waits for, what it has spent, and where its next run goes on."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge_agent.air.calls import RET_UNREACHABLE, CallResult
from edge_agent.air.context import RunParams
from edge_agent.air.data import Data, Kind
from edge_agent.air.interpreter import Resume, Script
from edge_agent.core_events import Envelope
from edge_agent.invitations import Invited
from edge_agent.trace import PeerTrace

__all__ = ["Record", "idle_stranger", "unreachable_by_another"]


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
    weight: int = 0  # of its data (first copy, what later copies and runs added); of its resume point:
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
    invited: Invited = field(default_factory=Invited)
    """The peers its held data shows were sent it (`edge_agent.invitations`)."""
    forwarded: set[str] = field(default_factory=set)
    """Keys of the calls this peer sent the particle on for: only it may report them
    unreachable (`unreachable_by_another`)."""

    @property
    def deadline_ms(self) -> int:
        return self.envelope.timestamp_ms + self.envelope.ttl_ms


def idle_stranger(rec: Record, now_ms: int, idle_ms: int) -> bool:
    """Whether `rec` is a stranger's particle with nothing running here for over `idle_ms`."""
    return not rec.trusted and not rec.pending and now_ms - rec.last_active_ms > idle_ms


def unreachable_by_another(rec: Record, incoming: Data, me: str) -> str | None:
    """The key of a call this peer forwarded that `incoming` reports unreachable (error 14)
    in the name of a peer other than this one or the call's target, or None. Any peer holding
    a copy could otherwise write that for any call (under its own seal), and the call's real
    answer was then refused as a conflict: this peer knows it was the one that tried."""
    for key in rec.forwarded:
        entry = incoming.entries.get(key)
        if (entry is not None and entry.kind == Kind.CALL_FAILED and entry.value[0] == RET_UNREACHABLE
                and entry.peer not in (me, rec.data.sent.get(key)) and key not in rec.data.entries):
            return key
    return None
