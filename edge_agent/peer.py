"""One peer's particle loop, without I/O: merge the incoming copy, run, ask for calls, send.

The simulator drives it over an in-memory network and the networked agent drives it over
CoAP: the transport changes, the semantics do not. For each particle the peer keeps the
stored data, the calls it has asked the host to make (so it never asks twice) and results
that arrived but were not yet recorded. The host reports call results back through
`results`, and forwards each outcome's data to the peers in `sends`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from edge_agent.air import CallRequest, Data, RunParams, run
from edge_agent.air.data import Entry, Kind
from edge_agent.air.interpreter import Script, compile_script
from edge_agent.air.errors import ParseError
from edge_agent.services.base import RET_UNREACHABLE, CallResult


UNREACHABLE_RET_CODE = RET_UNREACHABLE
"""ret_code of a call whose peer could not be reached (the script sees error 10000)."""


@dataclass(frozen=True, slots=True)
class ParticleInfo:
    """The immutable part of a particle, as far as the loop needs it."""

    id: str
    init_peer_id: str
    timestamp_ms: int
    ttl_ms: int
    script: str

    @property
    def deadline_ms(self) -> int:
        return self.timestamp_ms + self.ttl_ms


@dataclass(slots=True)
class Outcome:
    """What the host must do after one run: call services, send copies, or report a failure."""

    particle: ParticleInfo
    data: Data
    sends: list[str] = field(default_factory=list)
    calls: list[CallRequest] = field(default_factory=list)
    forwarded: dict[str, list[str]] = field(default_factory=dict)
    ret_code: int = 0
    error_message: str = ""

    @property
    def failed(self) -> bool:
        return self.ret_code != 0


@dataclass(slots=True)
class _ParticleState:
    info: ParticleInfo
    script: Script | None
    data: Data = field(default_factory=Data)
    pending: set[str] = field(default_factory=set)
    results: dict[str, CallResult] = field(default_factory=dict)


class Peer:
    """The particle loop of one peer. Not thread-safe; one owner drives it."""

    def __init__(self, peer_id: str) -> None:
        self.peer_id = peer_id
        self._particles: dict[str, _ParticleState] = {}

    def __contains__(self, particle_id: str) -> bool:
        return particle_id in self._particles

    def __len__(self) -> int:
        return len(self._particles)

    def info(self, particle_id: str) -> ParticleInfo:
        return self._particles[particle_id].info

    def data(self, particle_id: str) -> Data:
        return self._particles[particle_id].data

    def pending(self, particle_id: str) -> frozenset[str]:
        return frozenset(self._particles[particle_id].pending)

    def receive(self, info: ParticleInfo, incoming: Data) -> Outcome:
        """A copy of a particle arrived (or the init peer starts one with empty data)."""
        state = self._particles.get(info.id)
        if state is None:
            try:
                script = compile_script(info.script)
            except ParseError:
                script = None  # run() reports the parse error as a failed run
            state = self._particles[info.id] = _ParticleState(info, script)
        return self._run(state, incoming)

    def results(self, particle_id: str, results: Mapping[str, CallResult]) -> Outcome:
        """Results of calls this peer asked for; raises KeyError for an unknown particle."""
        state = self._particles[particle_id]
        for key, result in results.items():
            state.pending.discard(key)
            state.results[key] = result
        return self._run(state, Data())

    def undeliverable(self, particle_id: str, target: str, call_keys: Iterable[str], reason: str) -> Outcome:
        """The particle could not reach `target`: the calls it was to make there fail.

        Each becomes error 10000 from `target` ("peer ... is unreachable: reason"), so the
        script's `xor` can react and Aqua's error handler tells the init peer; then the
        particle runs again. Raises KeyError for an unknown particle.
        """
        state = self._particles[particle_id]
        message = f"peer {target} is unreachable: {reason}"
        for key in call_keys:
            if key not in state.data.entries:
                state.data.entries[key] = Entry(Kind.CALL_FAILED, [UNREACHABLE_RET_CODE, message], target)
        return self._run(state, Data())

    def forget(self, particle_id: str) -> None:
        """Drop a particle's state (its ttl passed, or the host evicts it)."""
        self._particles.pop(particle_id, None)

    def expire(self, now_ms: int) -> list[str]:
        """Forget every particle whose deadline has passed; returns their ids."""
        gone = [pid for pid, s in self._particles.items() if s.info.deadline_ms <= now_ms]
        for pid in gone:
            del self._particles[pid]
        return gone

    def _run(self, state: _ParticleState, incoming: Data) -> Outcome:
        info = state.info
        params = RunParams(info.init_peer_id, self.peer_id, info.timestamp_ms, info.ttl_ms, info.id)
        results, state.results = state.results, {}  # each result is handed over once, as AquaVM expects
        result = run(state.script or info.script, state.data, incoming, params, results)
        state.data = result.data
        if not result.ok:
            return Outcome(info, result.data, ret_code=result.ret_code, error_message=result.error_message)
        calls = []
        for request in result.call_requests:
            if request.key not in state.pending:
                state.pending.add(request.key)
                calls.append(request)
        return Outcome(info, result.data, list(result.next_peers), calls, result.forwarded)
