"""What goes into the particle core and what comes out: events, actions, verdicts, limits.

Frozen values only (h11's `_events.py`): the core (`edge_agent.core`) consumes the events
and produces the actions; its drivers (the node, the simulator) build the one and carry out
the other. Nothing here does I/O or holds state.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from edge_agent import const
from edge_agent.air.calls import CallRequest, CallResult
from edge_agent.trace import Record


class Verdict(enum.StrEnum):
    """Why the core dropped a copy; the values are stable counter names (``dropped_<value>``)."""

    REPLAY = "replay"
    """A copy of a particle that is finished here (its id is kept until its deadline)."""
    ID_CONFLICT = "id_conflict"
    """Another particle (other init peer, script, times or signature) has this id here."""
    NOT_OURS = "not_ours"
    """It names this peer as its init peer, but this process did not start it."""
    OVERLOADED = "overloaded"
    """No room: particles, held data or finished ids are at their limit (or the sender's share)."""
    BAD_SIGNATURE = "bad_signature"
    """The init peer's signature does not match."""
    MALFORMED = "malformed"
    """The data is not valid, or too large in bytes or decoded items."""
    UNSEALED = "unsealed"
    """The data holds an entry its producer did not seal, or a seal that does not verify."""
    UNINVITED = "uninvited"
    """The data holds a seal of a peer no participant sent the particle to (`edge_agent.invitations`)."""
    FORGED = "forged"
    """The data holds a result its producer was not entitled to write (see air.errors)."""
    DATA_CONFLICT = "data_conflict"
    """The data records a different result than ours for one instruction instance."""
    OVER_BUDGET = "over_budget"
    """The particle used up its interpreter budget here; it is given up."""
    RATE_LIMITED = "rate_limited"
    """Its init peer started more new particles here than its rate allows."""
    BAD_REPORT = "bad_report"
    """A failure or trace report sent to a peer that is not the particle's init peer (or
    that did not ask for a trace), not alone in its copy, about the init peer itself, or one
    more than a particle may receive."""


class Envelope(Protocol):
    """What the core needs of a particle: `edge_agent.particle.Particle` is one."""

    @property
    def id(self) -> str: ...
    @property
    def init_peer_id(self) -> str: ...
    @property
    def timestamp_ms(self) -> int: ...
    @property
    def ttl_ms(self) -> int: ...
    @property
    def script(self) -> str: ...
    @property
    def signature(self) -> bytes: ...
    @property
    def data(self) -> bytes: ...
    def with_data(self, data: bytes) -> Any: ...


# --- events -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Arrived:
    """A copy of a particle arrived from `sender`, or was started here (`local`).

    `sender` is a hint unless `proven` (a hop tag proved it: edge_agent/hop.py); then the
    copy is byte for byte what `sender` sent, and neither its signature, if `sender` is the
    init peer, nor `sender`'s own seals need an Ed25519 check."""

    envelope: Envelope
    sender: str | None = None
    local: bool = False
    proven: bool = False


@dataclass(frozen=True, slots=True)
class CallsDone:
    """Results of calls the core asked for, by call key."""

    particle_id: str
    results: Mapping[str, CallResult]


@dataclass(frozen=True, slots=True)
class SendFailed:
    """A copy could not reach `target` before its give-up time: its calls there fail."""

    particle_id: str
    target: str
    call_keys: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Retried:
    """The copy for `target` took `tries` tries (addresses, passes); `reason` is why the one
    before the last failed. Only traces record it, so a driver may leave it out."""

    particle_id: str
    target: str
    tries: int
    reason: str


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: expire particles and finished ids."""


Event = Arrived | CallsDone | SendFailed | Retried | Tick


# --- actions ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CallServices:
    """Make these local calls for the particle, then hand the results back as `CallsDone`."""

    particle_id: str
    init_peer_id: str
    requests: tuple[CallRequest, ...]


@dataclass(frozen=True, slots=True)
class SendCopy:
    """Send `envelope` (with the data to send) to `target`; report `SendFailed` by `give_up_ms`,
    or by `busy_until_ms` while the target answers other requests of ours meanwhile (alive, so
    the wait is a busy peer's, or our own queue to it: not a dead address)."""

    particle_id: str
    target: str
    envelope: Any
    call_keys: tuple[str, ...]
    give_up_ms: int
    busy_until_ms: int = 0  # 0: no more time than give_up_ms


@dataclass(frozen=True, slots=True)
class Dropped:
    """A copy was refused; the particle's record (if any) is as it was."""

    particle_id: str
    verdict: Verdict
    detail: str
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A copy that adds nothing; the driver may resend what it answered `sender` before."""

    particle_id: str
    sender: str | None


@dataclass(frozen=True, slots=True)
class ScriptFailed:
    """A run ended with an uncaught error: nothing is sent or called for it (but a failure
    report to the init peer, a `SendCopy` that follows this action, the first time)."""

    particle_id: str
    ret_code: int
    message: str
    instruction: str = ""
    """The instruction the error came from, as `:error:` names it ("" if none is known)."""


@dataclass(frozen=True, slots=True)
class FailureReported:
    """At the init peer: `peer` reports, sealed, that the particle's run failed there."""

    particle_id: str
    peer: str
    ret_code: int
    message: str
    instruction: str


@dataclass(frozen=True, slots=True)
class Traced:
    """At the init peer of a traced particle: what `peer` did with it (`edge_agent.trace`),
    from its sealed trace report, or this peer's own records."""

    particle_id: str
    peer: str
    records: tuple[Record, ...]
    dropped: int = 0
    """Records `peer` could not keep (over `CoreLimits.trace_records`)."""


@dataclass(frozen=True, slots=True)
class Forgotten:
    """The core let go of a particle (deadline, eviction, budget): drop per-particle state."""

    particle_id: str
    why: str


Action = CallServices | SendCopy | Dropped | Duplicate | ScriptFailed | FailureReported | Forgotten | Traced


# --- limits -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoreLimits:
    """Every bound the core keeps; defaults from `edge_agent.const`."""

    max_particles: int = const.NODE_MAX_PARTICLES
    max_held_bytes: int = const.NODE_MAX_HELD_DATA_BYTES
    max_finished: int = const.NODE_MAX_FINISHED
    stranger_share: float = const.NODE_STRANGER_SHARE
    stranger_idle_ms: int = const.NODE_STRANGER_IDLE_MS
    run_steps: int = const.MAX_INTERPRETER_STEPS
    stranger_run_steps: int = const.MAX_INTERPRETER_STEPS_PER_STRANGER_RUN
    particle_steps: int = const.MAX_INTERPRETER_STEPS_PER_PARTICLE
    stranger_particle_steps: int = const.MAX_INTERPRETER_STEPS_PER_STRANGER_PARTICLE
    stranger_data_items: int = const.MAX_STRANGER_DATA_ITEMS
    clock_skew_ms: int = const.DEFAULT_CLOCK_SKEW_MS
    error_reserve_ms: int = const.NODE_ERROR_RESERVE_MS
    delivery_timeout_ms: int = const.NODE_DELIVERY_TIMEOUT_MS
    new_per_s: float = const.NODE_STRANGER_PARTICLES_PER_S
    new_burst: int = const.NODE_STRANGER_PARTICLES_BURST
    untrusted_seals_per_s: float = const.NODE_UNTRUSTED_SEALS_PER_S
    untrusted_seals_burst: int = const.NODE_UNTRUSTED_SEALS_BURST
    failure_reports: int = 16
    """Failure reports (from as many peers) one particle may bring its init peer."""
    trace_records: int = 64
    """Trace records a peer keeps of one traced particle (more are counted, not kept)."""
    trace_reports: int = 8
    """Trace reports a peer sends of one traced particle, and takes from each peer."""
    trace_peers: int = 32
    """Peers whose trace reports the init peer takes for one particle."""

    @classmethod
    def from_const(cls, **overrides: Any) -> CoreLimits:
        """The limits `edge_agent.const` holds now (tests may have changed them), and `overrides`."""
        values: dict[str, Any] = {
            "max_particles": const.NODE_MAX_PARTICLES,
            "max_held_bytes": const.NODE_MAX_HELD_DATA_BYTES,
            "max_finished": const.NODE_MAX_FINISHED,
            "stranger_share": const.NODE_STRANGER_SHARE,
            "stranger_idle_ms": const.NODE_STRANGER_IDLE_MS,
            "run_steps": const.MAX_INTERPRETER_STEPS,
            "stranger_run_steps": const.MAX_INTERPRETER_STEPS_PER_STRANGER_RUN,
            "particle_steps": const.MAX_INTERPRETER_STEPS_PER_PARTICLE,
            "stranger_particle_steps": const.MAX_INTERPRETER_STEPS_PER_STRANGER_PARTICLE,
            "stranger_data_items": const.MAX_STRANGER_DATA_ITEMS,
            "clock_skew_ms": const.DEFAULT_CLOCK_SKEW_MS,
            "error_reserve_ms": const.NODE_ERROR_RESERVE_MS,
            "delivery_timeout_ms": const.NODE_DELIVERY_TIMEOUT_MS,
            "new_per_s": const.NODE_STRANGER_PARTICLES_PER_S,
            "new_burst": const.NODE_STRANGER_PARTICLES_BURST,
            "untrusted_seals_per_s": const.NODE_UNTRUSTED_SEALS_PER_S,
            "untrusted_seals_burst": const.NODE_UNTRUSTED_SEALS_BURST,
        }
        values.update(overrides)
        return cls(**values)
