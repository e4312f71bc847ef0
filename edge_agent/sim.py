"""A whole LAN of peers in one process: run multi-peer AIR scripts in milliseconds.

    from edge_agent.sim import Network, ServiceError
    net = Network(peers=["alice", "bob", "carol"])
    net.add_service("bob", "echo", lambda function, args: args)
    result = net.run(script, init_peer="alice", data={"x": 1})
    result.responses   # args of each callbackSrv.response on alice, in order

Each peer runs the same particle core (`edge_agent.core.ParticleCore`) as the networked
agent, with real Ed25519 keys, seals and limits; only the transport differs: copies travel
through one queue in simulated time (no latency), a peer's call requests are served at once
and fed back as one results event queued after the copies it sent (a `peer.timeout` result
on its own, when it is due in simulated time), and a copy for a peer that is not in the
network (or that the `reachable` rule refuses) fails at its give-up time,
so the calls meant for that peer fail with error 14, as on real agents (a copy that a node's
CoAP edge would refuse, a ttl over the limit, fails at once). A run that fails on a peer
sends the init peer its sealed failure report, as on agents: `result.failure` is the one
that reached the init peer first (or the init peer's own). Particle data is
encoded and decoded on every hop, as on the wire. Peer ids are any strings. `run` stops
when no peer has work left, or after `max_steps` core events.
"""

from __future__ import annotations

import heapq
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from edge_agent import const
from edge_agent.core import (
    Action,
    Arrived,
    CallsDone,
    CallServices,
    CoreLimits,
    Dropped,
    Event,
    FailureReported,
    Forgotten,
    ParticleCore,
    ScriptFailed,
    SendCopy,
    SendFailed,
    Tick,
    Traced,
)
from edge_agent.identity import KeyPair
from edge_agent.particle import signing_bytes, verify_signature
from edge_agent.seals import Sealer
from edge_agent.services.base import CallResult, Delayed, Handler, ServiceError
from edge_agent.services.builtins import CallContext, call_builtin
from edge_agent.services.client import ClientServices
from edge_agent.trace import Timeline
from edge_agent.trace import request as trace_request

__all__ = ["Call", "Drop", "Failure", "Network", "ServiceError", "SimParticle", "SimulationResult"]


class Call(NamedTuple):
    """One executed service call: (peer, service, function, args)."""

    peer: str
    service: str
    function: str
    args: list[Any]


class Failure(NamedTuple):
    """An interpreter run that ended with an uncaught error (that peer sent nothing on but its
    failure report to the init peer)."""

    peer: str
    ret_code: int
    message: str
    instruction: str = ""
    """The instruction the error came from, as `:error:` names it ("" if none is known)."""


class Drop(NamedTuple):
    """A copy a peer refused: the counter name (`core.Verdict`, `particle.DropReason`) and why."""

    peer: str
    verdict: str
    detail: str


@dataclass(frozen=True, slots=True)
class SimParticle:
    """A particle in the simulator: the wire envelope's fields, for any peer-id strings."""

    id: str
    init_peer_id: str
    timestamp_ms: int
    ttl_ms: int
    script: str
    signature: bytes
    data: bytes = b""

    def with_data(self, data: bytes) -> SimParticle:
        return replace(self, data=data)

    def signing_bytes(self) -> bytes:
        return signing_bytes(
            version=1, id=self.id, init_peer_id=self.init_peer_id,
            timestamp_ms=self.timestamp_ms, ttl_ms=self.ttl_ms, script=self.script,
        )


@dataclass(slots=True)
class SimulationResult:
    responses: list[list[Any]] = field(default_factory=list)
    """Args of every `callbackSrv.response` call on the init peer, in order."""
    errors: list[list[Any]] = field(default_factory=list)
    """Args of every `errorHandlingSrv.error` call on the init peer, in order."""
    calls: list[Call] = field(default_factory=list)
    """Every executed service call, in execution order."""
    failures: list[Failure] = field(default_factory=list)
    """Every run that failed, on any peer, in order."""
    failure: Failure | None = None
    """The failure the init peer learned of first: its own run's, or a peer's failure report
    (what `edge-agent run` prints); None if the particle failed nowhere (or no report came)."""
    drops: list[Drop] = field(default_factory=list)
    """Copies refused by a peer's core (forged, unsealed, over budget, overloaded...) or, before
    it, by what would be its CoAP edge on a node (a ttl over the limit), in order."""
    forgotten: list[tuple[str, str]] = field(default_factory=list)
    """(peer, why) for each particle a peer gave up before the run ended (budget, eviction)."""
    hops: int = 0
    """Particle transmissions between peers."""
    steps: int = 0
    """Core events handled (arrived copies, call results, failed sends)."""
    now_ms: int = 0
    """Simulated time when the run stopped."""
    runs: int = 0
    """Interpreter runs over all peers."""
    run_seconds: float = 0.0
    """CPU time the interpreter took over all peers (real, not simulated), in seconds."""
    undelivered: list[str] = field(default_factory=list)
    """Next peers that are not part of the network, sorted."""
    dropped: list[str] = field(default_factory=list)
    """"from->to" for each copy the `reachable` rule refused, in order."""
    quiescent: bool = True
    """False when `max_steps` stopped the run with work left."""
    results: list[Any] | None = None
    """`run_aqua`: the function's return values (`args.return_values`); None from `run`."""
    trace: Timeline | None = None
    """`run(..., trace=True)`: the particle's timeline as its init peer assembled it from the
    peers' trace reports, in simulated time (`edge_agent.trace`); None without `trace`."""


class Network:
    """Peers connected by an in-memory network; services are Python callables or Wasm.

    `reachable` maps a peer to the only peers whose copies it takes; `limits` are every
    core's (`CoreLimits`, an agent's by default); `lossy` makes copies that cannot be
    delivered vanish without the sender's calls failing (AquaVM's test network; the default
    reports them as a real agent does, error 14); `incremental=False` makes every run replay
    the whole script, the reference incremental runs are measured and tested against.
    """

    def __init__(
        self,
        peers: Iterable[str],
        reachable: Mapping[str, Iterable[str]] | None = None,
        limits: CoreLimits | None = None,
        *,
        lossy: bool = False,
        incremental: bool = True,
    ) -> None:
        self.peer_ids = list(dict.fromkeys(peers))
        if not self.peer_ids:
            raise ValueError("a network needs at least one peer")
        for p in self.peer_ids:
            if not isinstance(p, str) or not p:
                raise ValueError(f"peer ids must be non-empty strings, got {p!r}")
        self.reachable = {k: set(v) for k, v in (reachable or {}).items()}
        self.limits = limits
        self.lossy = lossy  # copies that cannot be delivered vanish unnoticed, as in AquaVM's tests
        self.incremental = incremental  # False: every run replays the whole script (the reference)
        self.last_cores: dict[str, ParticleCore] = {}
        """The peers' cores of the last `run` (their particles, counters and figures)."""
        self.keys = {p: KeyPair.generate() for p in self.peer_ids}
        self._services: dict[str, dict[str, Handler]] = {p: {} for p in self.peer_ids}
        self._wasm: dict[str, dict[str, str]] = {p: {} for p in self.peer_ids}  # peer -> name -> host name
        self._host: Any = None  # one WasmHost (worker process) for every simulated peer, made on first deploy

    def __enter__(self) -> Network:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the Wasm worker process, if any deploy started one (idempotent)."""
        host, self._host = self._host, None
        if host is not None:
            host.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown may have torn the host down
            pass

    def deploy(self, peer: str, name: str, wasm_bytes: bytes, **limits: Any) -> Any:
        """Deploy a Wasm module as service `name` on `peer` (real wasm3, in a worker process).

        Limits (fuel, memory_pages, deadline_ms, ...) default as on an agent. A module the
        host refuses raises `ModuleRejected` naming the problem; the peer's other services
        stay as they were. Deploying a name again replaces that service. Returns the
        `ServiceInfo` (functions, sha256, limits).
        """
        from edge_agent.services.wasm.errors import ModuleRejected
        from edge_agent.services.wasm.host import WasmHost

        self._check_peer(peer)
        if self._host is None:
            self._host = WasmHost()
        internal = f"{self.peer_ids.index(peer)}.{name}"  # each peer has its own KV store
        try:
            info = self._host.deploy(internal, bytes(wasm_bytes), limits or None)
        except ModuleRejected as exc:
            raise ModuleRejected(str(exc).replace(repr(internal), repr(name))) from None
        self._wasm[peer][name] = internal
        return info

    def undeploy(self, peer: str, name: str) -> None:
        """Remove a Wasm service from `peer` (no error if it has none of that name)."""
        self._check_peer(peer)
        internal = self._wasm[peer].pop(name, None)
        if internal is not None and self._host is not None:
            self._host.remove(internal)

    def add_service(self, peer: str, service_id: str, handler: Handler) -> None:
        """Serve `service_id` on `peer` with `handler(function, args)`; replaces a builtin of that id."""
        self._check_peer(peer)
        if not callable(handler):
            raise TypeError("a handler must be callable as handler(function_name, args)")
        self._services[peer][service_id] = handler

    def remove_service(self, peer: str, service_id: str) -> None:
        self._check_peer(peer)
        self._services[peer].pop(service_id, None)

    def _check_peer(self, peer: str) -> None:
        if peer not in self._services:
            raise ValueError(f"unknown peer {peer!r}; the network has {', '.join(self.peer_ids)}")

    # --- running --------------------------------------------------------------------

    def core(self, peer: str) -> ParticleCore:
        """A fresh particle core for `peer`, as its agent would have (every peer trusts the rest)."""
        keys = self.keys[peer]
        members = set(self.peer_ids)
        return ParticleCore(
            peer,
            Sealer(peer, keys.sign, self._verify),
            self._verify_particle,
            limits=self.limits,
            trusted=members.__contains__,
            incremental=self.incremental,
            clock=time.thread_time,  # run_seconds: the interpreter's CPU, not the machine's load
        )

    def sign(self, particle: SimParticle) -> SimParticle:
        """`particle` signed by its init peer's key."""
        return replace(particle, signature=self.keys[particle.init_peer_id].sign(particle.signing_bytes()))

    def _verify(self, peer: str, message: bytes, signature: bytes) -> bool:
        keys = self.keys.get(peer)
        return keys is not None and verify_signature(keys.peer_id, message, signature)

    def _verify_particle(self, particle: Any) -> bool:
        return self._verify(particle.init_peer_id, particle.signing_bytes(), particle.signature)

    def run(
        self,
        script: str,
        init_peer: str,
        data: Mapping[str, Any] | None = None,
        ttl_ms: int = 60_000,
        timestamp_ms: int | None = None,
        relay: str | None = None,
        max_steps: int = const.SIM_MAX_STEPS,
        inject: Iterable[tuple[str, SimParticle]] = (),
        callbacks: Mapping[str, Callable[..., Any]] | None = None,
        trace: bool = False,
    ) -> SimulationResult:
        """Start a particle on `init_peer` and deliver it until no peer has work left.

        `inject` adds copies (to, particle) delivered after the start, e.g. what a hostile
        peer would send; build them with `sign` and the data codec. `callbacks` serve the
        init peer's `callbackSrv.<name>` calls (an Aqua function's callback arguments).
        `trace` asks every peer for a trace, as `edge-agent run --trace` does (`result.trace`).
        """
        self._check_peer(init_peer)
        now = int(time.time() * 1000) if timestamp_ms is None else int(timestamp_ms)
        script = trace_request(script) if trace else script
        particle = self.sign(SimParticle(str(uuid.uuid4()), init_peer, now, int(ttl_ms), script, b""))
        client = ClientServices(dict(data or {}), relay if relay is not None else init_peer, callbacks)
        sim = _Run(self, particle, client, max_steps, now)
        self.last_cores = sim.cores
        sim.push(now, init_peer, Arrived(particle, local=True))
        for to, copy in inject:
            self._check_peer(to)
            sim.push(now, to, Arrived(copy, sender=None))
        return sim.loop()

    def run_aqua(
        self,
        source_or_path: str | Path,
        func: str | None = None,
        args: Mapping[str, Any] | None = None,
        init_peer: str | None = None,
        *,
        relay: str | None = None,
        **run_options: Any,
    ) -> SimulationResult:
        """Compile Aqua function `func` (the only exported one when None) and run it from
        `init_peer` (the first peer when None), as `edge-agent run FILE.aqua` does: `args`
        checked against its types first (`ArgumentError`), then served by `getDataSrv`;
        `result.results` holds its return values. Without `relay` the AIR reaches peers
        directly (LAN mode); with it, it is compiled in Fluence's relay mode and
        `getDataSrv."-relay-"` gives that peer. Other options are `run`'s, such as
        `callbacks={"cb": fn}` for the function's callback arguments.
        """
        from edge_agent.aqua import compile_function, read_relative, read_source
        from edge_agent.aqua.args import require_args, return_values

        text, name = read_source(source_or_path)
        air, signature = compile_function(text, func, name, relay is not None, read_relative)
        data = dict(args or {})
        require_args(signature, data)
        result = self.run(air, init_peer or self.peer_ids[0], data, relay=relay, **run_options)
        result.results = return_values(signature, result.responses, result.errors)
        return result

    def deliver(
        self, to: str, copy: SimParticle, sender: str | None = None, max_steps: int = const.SIM_MAX_STEPS
    ) -> SimulationResult:
        """Deliver one copy to `to` (a replay, or what a hostile peer would send) and run until
        no peer has work left; no particle is started, so no client services serve its calls.
        Time starts at the wall clock."""
        self._check_peer(to)
        now = int(time.time() * 1000)
        sim = _Run(self, copy, None, max_steps, now)
        self.last_cores = sim.cores
        sim.push(now, to, Arrived(copy, sender=sender))
        return sim.loop()

    def _serve(self, peer: str, action: CallServices, particle: SimParticle, client: ClientServices | None,
               now_ms: int, result: SimulationResult) -> dict[str, CallResult]:
        return {
            req.key: self._call(peer, req.service, req.function, req.args, particle, client, now_ms, result)
            for req in action.requests
        }

    def _call(
        self,
        peer: str,
        service: str,
        function: str,
        args: list[Any],
        info: SimParticle,
        client: ClientServices | None,
        now_ms: int,
        result: SimulationResult,
    ) -> CallResult:
        result.calls.append(Call(peer, service, function, args))
        try:
            handler = self._services[peer].get(service)
            if handler is not None:
                value = handler(function, args)
            elif client is not None and peer == info.init_peer_id and client.handles(service):
                value = client.call(service, function, args)
            elif service in self._wasm[peer]:
                # The caller is the particle's init peer, as on an agent (`ea_caller`); the
                # simulator applies no access rule: its peers are one fleet.
                value = self._host.call(self._wasm[peer][service], function, args, caller=info.init_peer_id)
            else:
                deadline = info.timestamp_ms + info.ttl_ms
                context = CallContext(peer, info.init_peer_id, info.id, now_ms, deadline)
                value = call_builtin(service, function, args, context)
        except ServiceError as exc:
            return CallResult.failure(exc.message, exc.ret_code)
        except Exception as exc:  # a handler's bug is that call's failure, worded as on a node
            return CallResult.failure(f"internal error in {service}.{function}: {exc}", 1)
        if isinstance(value, Delayed):  # peer.timeout: `_Run.push_results` hands it over when due
            return value
        return CallResult.success(value)  # the interpreter checks it is a JSON value, as on a node


class _Run:
    """One `Network.run`: the peers' cores and the queue of events in simulated time."""

    def __init__(
        self, net: Network, particle: SimParticle, client: ClientServices | None, max_steps: int, now: int
    ) -> None:
        self.net = net
        self.particle = particle
        self.client = client
        self.envelopes: dict[str, SimParticle] = {particle.id: particle}  # what each call is for
        self.max_steps = max_steps
        self.now = now
        self.cores = {p: net.core(p) for p in net.peer_ids}
        self.result = SimulationResult()
        self.traced: list[Traced] = []  # what the init peer learned of its particle's trace
        self.undelivered: set[str] = set()
        self._queue: list[tuple[int, int, str, Event]] = []
        self._seq = 0

    def push(self, at_ms: int, to: str, event: Event) -> None:
        if isinstance(event, Arrived) and isinstance(event.envelope, SimParticle):
            self.envelopes.setdefault(event.envelope.id, event.envelope)
        heapq.heappush(self._queue, (at_ms, self._seq, to, event))
        self._seq += 1

    def loop(self) -> SimulationResult:
        result = self.result
        while self._queue:
            if result.steps >= self.max_steps:
                result.quiescent = False
                break
            at, _, to, event = heapq.heappop(self._queue)
            if at > self.now:
                self.now = at
                for peer, core in self.cores.items():
                    self.apply(peer, core.handle(Tick(), self.now))
            result.steps += 1
            self.apply(to, self.cores[to].handle(event, self.now))
        if self.client is not None:
            result.responses = self.client.responses
            result.errors = self.client.errors
        result.undelivered = sorted(self.undelivered)
        if self.traced:
            p = self.particle
            reports = [(t.peer, t.records, t.dropped) for t in self.traced]
            result.trace = Timeline.build(p.id, p.init_peer_id, p.timestamp_ms, reports)
        result.now_ms = self.now
        result.runs = sum(c.runs for c in self.cores.values())
        result.run_seconds = sum(c.run_seconds for c in self.cores.values())
        return result

    def apply(self, peer: str, actions: list[Action]) -> None:
        result = self.result
        for action in actions:
            if isinstance(action, SendCopy):
                self.send(peer, action)
            elif isinstance(action, CallServices):
                # Only the particle this run started has client services (a node keeps them
                # for the particles it started); an injected one's calls are its own.
                pid = action.particle_id
                client = self.client if pid == self.particle.id else None
                results = self.net._serve(peer, action, self.envelopes[pid], client, self.now, result)
                self.push_results(peer, pid, results)
            elif isinstance(action, ScriptFailed):
                failure = Failure(peer, action.ret_code, action.message, action.instruction)
                result.failures.append(failure)
                self.learn(peer, action.particle_id, failure)
            elif isinstance(action, FailureReported):
                reported = Failure(action.peer, action.ret_code, action.message, action.instruction)
                self.learn(peer, action.particle_id, reported)
            elif isinstance(action, Dropped):
                result.drops.append(Drop(peer, action.verdict.value, action.detail))
            elif isinstance(action, Forgotten):
                result.forgotten.append((peer, action.why))
            elif isinstance(action, Traced) and action.particle_id == self.particle.id:
                self.traced.append(action)  # only the init peer's core makes them

    def learn(self, peer: str, pid: str, failure: Failure) -> None:
        """The init peer of this run's particle learned of `failure` (first one only)."""
        if pid == self.particle.id and peer == self.particle.init_peer_id and self.result.failure is None:
            self.result.failure = failure

    def push_results(self, peer: str, pid: str, results: dict[str, CallResult]) -> None:
        """Queue `peer`'s call results: now, and each `Delayed` one (peer.timeout) on its own
        when it is due in simulated time, as a node hands them over."""
        due = {}
        for key, res in results.items():
            if isinstance(res, Delayed) and res.delay_ms > 0:
                self.push(self.now + res.delay_ms, peer, CallsDone(pid, {key: res.now()}))
            else:
                due[key] = res
        if due:
            self.push(self.now, peer, CallsDone(pid, due))

    def send(self, sender: str, action: SendCopy) -> None:
        target = action.target
        give_up = max(action.give_up_ms, self.now)
        refused = _edge_refusal(action.envelope)
        if target not in self.cores:
            self.undelivered.add(target)
            reason = f"no address known for {target}"
        elif target in self.net.reachable and sender not in self.net.reachable[target]:
            self.result.dropped.append(f"{sender}->{target}")
            reason = f"{target} did not answer"
        elif refused is not None:  # answered 4.00 at once: the sender gives up at once
            self.result.drops.append(Drop(target, *refused))
            reason, give_up = f"4.00 {refused[0]}: {refused[1]}", self.now
        else:
            self.push(self.now, target, Arrived(action.envelope, sender=sender))
            self.result.hops += 1
            return
        if action.call_keys and not self.net.lossy:  # as a node: no calls there, nothing to fail
            self.push(give_up, sender, SendFailed(action.particle_id, target, action.call_keys, reason))


def _edge_refusal(copy: SimParticle) -> tuple[str, str] | None:
    """What a node's CoAP edge refuses before its core sees a copy, as (verdict, detail):
    a ttl over the limit (`particle.decode`). Copies here are never late, so freshness
    (`particle.check_fresh`) never refuses one."""
    if copy.ttl_ms > const.MAX_PARTICLE_TTL_MS:
        return "malformed", f"ttl_ms {copy.ttl_ms} is over this peer's limit of {const.MAX_PARTICLE_TTL_MS}"
    return None
