"""A whole LAN of peers in one process: run multi-peer AIR scripts in milliseconds.

    from edge_agent.sim import Network, ServiceError
    net = Network(peers=["alice", "bob", "carol"])
    net.add_service("bob", "echo", lambda function, args: args)
    result = net.run(script, init_peer="alice", data={"x": 1})
    result.responses   # args of each callbackSrv.response on alice, in order

Each peer runs the same particle loop (`edge_agent.peer.Peer`) as the networked agent;
only the transport differs: particles travel through one FIFO queue, and a peer's call
requests are served at once and fed back as one results event queued after the copies it
sent. Particle data is encoded and decoded on every hop, as on the wire. Peer ids are any
strings. `run` stops when no peer has work left, or after `max_steps` interpreter runs.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from edge_agent import const
from edge_agent.air import data as air_data
from edge_agent.air.values import check_value
from edge_agent.peer import Outcome, ParticleInfo, Peer
from edge_agent.services.base import CallResult, Handler, ServiceError
from edge_agent.services.builtins import CallContext, call_builtin
from edge_agent.services.client import ClientServices

__all__ = ["Call", "Failure", "Network", "ServiceError", "SimulationResult"]


class Call(NamedTuple):
    """One executed service call: (peer, service, function, args)."""

    peer: str
    service: str
    function: str
    args: list[Any]


class Failure(NamedTuple):
    """An interpreter run that ended with an uncaught error (that peer sent nothing on)."""

    peer: str
    ret_code: int
    message: str


@dataclass(slots=True)
class SimulationResult:
    responses: list[list[Any]] = field(default_factory=list)
    """Args of every `callbackSrv.response` call on the init peer, in order."""
    errors: list[list[Any]] = field(default_factory=list)
    """Args of every `errorHandlingSrv.error` call on the init peer, in order."""
    calls: list[Call] = field(default_factory=list)
    """Every executed service call, in execution order."""
    failures: list[Failure] = field(default_factory=list)
    hops: int = 0
    """Particle transmissions between peers."""
    steps: int = 0
    """Interpreter runs."""
    undelivered: list[str] = field(default_factory=list)
    """Next peers that are not part of the network, sorted."""
    dropped: list[str] = field(default_factory=list)
    """"from->to" for each copy the `reachable` rule refused, in order."""
    quiescent: bool = True
    """False when `max_steps` stopped the run with work left."""


class Network:
    """Peers connected by an in-memory network; services are Python callables or Wasm."""

    def __init__(self, peers: Iterable[str], reachable: Mapping[str, Iterable[str]] | None = None) -> None:
        self.peer_ids = list(dict.fromkeys(peers))
        if not self.peer_ids:
            raise ValueError("a network needs at least one peer")
        for p in self.peer_ids:
            if not isinstance(p, str) or not p:
                raise ValueError(f"peer ids must be non-empty strings, got {p!r}")
        self.reachable = {k: set(v) for k, v in (reachable or {}).items()}
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

    def run(
        self,
        script: str,
        init_peer: str,
        data: Mapping[str, Any] | None = None,
        ttl_ms: int = 60_000,
        timestamp_ms: int | None = None,
        relay: str | None = None,
        max_steps: int = const.SIM_MAX_STEPS,
    ) -> SimulationResult:
        """Start a particle on `init_peer` and deliver it until no peer has work left."""
        self._check_peer(init_peer)
        now = int(time.time() * 1000) if timestamp_ms is None else int(timestamp_ms)
        info = ParticleInfo(str(uuid.uuid4()), init_peer, now, int(ttl_ms), script)
        client = ClientServices(dict(data or {}), relay if relay is not None else init_peer)
        peers = {p: Peer(p) for p in self.peer_ids}
        result = SimulationResult()
        undelivered: set[str] = set()

        # Events: ("particle", to, encoded data) or ("results", to, {key: CallResult}).
        queue: deque[tuple[str, str, Any]] = deque([("particle", init_peer, b"")])
        while queue:
            if result.steps >= max_steps:
                result.quiescent = False
                break
            kind, to, payload = queue.popleft()
            peer = peers[to]
            result.steps += 1
            if kind == "particle":
                try:
                    incoming = air_data.decode(payload)
                except air_data.DataError as exc:
                    result.failures.append(Failure(to, exc.ret_code, str(exc)))
                    continue
                outcome = peer.receive(info, incoming)
            else:
                outcome = peer.results(info.id, payload)
            if outcome.failed:
                result.failures.append(Failure(to, outcome.ret_code, outcome.error_message))
                continue
            self._deliver(outcome, to, queue, result, undelivered)
            if outcome.calls:
                results = {
                    req.key: self._call(to, req.service, req.function, req.args, info, client, now, result)
                    for req in outcome.calls
                }
                queue.append(("results", to, results))

        result.responses = client.responses
        result.errors = client.errors
        result.undelivered = sorted(undelivered)
        return result

    def _deliver(
        self,
        outcome: Outcome,
        sender: str,
        queue: deque[tuple[str, str, Any]],
        result: SimulationResult,
        undelivered: set[str],
    ) -> None:
        if not outcome.sends:
            return
        payload = air_data.encode(outcome.data)
        for target in sorted(outcome.sends):
            if target not in self._services:
                undelivered.add(target)
            elif target in self.reachable and sender not in self.reachable[target]:
                result.dropped.append(f"{sender}->{target}")
            else:
                queue.append(("particle", target, payload))
                result.hops += 1

    def _call(
        self,
        peer: str,
        service: str,
        function: str,
        args: list[Any],
        info: ParticleInfo,
        client: ClientServices,
        now_ms: int,
        result: SimulationResult,
    ) -> CallResult:
        result.calls.append(Call(peer, service, function, args))
        try:
            handler = self._services[peer].get(service)
            if handler is not None:
                value = handler(function, args)
            elif peer == info.init_peer_id and client.handles(service):
                value = client.call(service, function, args)
            elif service in self._wasm[peer]:
                value = self._host.call(self._wasm[peer][service], function, args)
            else:
                value = call_builtin(service, function, args, CallContext(peer, info.init_peer_id, info.id, now_ms))
            check_value(value)
        except ServiceError as exc:
            return CallResult.failure(exc.message, exc.ret_code)
        except Exception as exc:  # a handler's bug is that call's failure, not the simulator's
            return CallResult.failure(str(exc) or type(exc).__name__, 1)
        return CallResult.success(value)
