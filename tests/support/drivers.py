"""One interface, two drivers: the simulator and real nodes on loopback, for one test suite.

    with make_driver("node", ["client", "nodeA"], tmp_path) as net:
        net.add_service("nodeA", "echo", lambda function, args: args)
        outcome = net.run(script, "client", {"x": 1})

`SimDriver` runs `edge_agent.sim.Network` with a real agent's semantics (not lossy: a copy
that cannot be delivered fails the calls meant for that peer with error 14). `NodeDriver`
runs one real `Node` per peer name in this process, on 127.0.0.1 with real CoAP between
them, addresses given statically, discovery off.

Scripts, data, services and results speak of peers by *name*. The node driver maps names
to the nodes' peer ids on the way in (string literals of the script that are a name, string
values of data and of service results) and ids back to names on the way out (every
occurrence of a peer id in a string), so both drivers take and give the same values. The
transport's words for why a peer is unreachable are left out of every value coming out
(`without_reasons`): the simulator says "did not answer", a node what its CoAP client saw.

Both drivers keep each peer's state from one run to the next, as long-running agents do
(the simulator's cores persist here, unlike in a bare `Network.run`), and record every
event each peer's `ParticleCore` handles with the actions it returns, so a test can compare
what each peer did event for event (`Outcome.trace`). `absent` peers have an id but no
address; `down` peers have an address where nothing answers (on the simulator: a member
that takes copies from nobody). `trust` names, for some peers, the only peers they trust
(by default every peer trusts every member of the network); `limits` overrides the cores'
`CoreLimits`. `deliver` sends a particle's copy again (a replay) from one peer to another.

Test support only: edge_agent never imports it.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_agent.air import data as air_data
from edge_agent.air.errors import DataError
from edge_agent.core import (
    Action,
    Arrived,
    CallsDone,
    CallServices,
    CoreLimits,
    Dropped,
    Duplicate,
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
from edge_agent.net.addressbook import Address, Source
from edge_agent.node import Node
from edge_agent.services.base import Handler
from edge_agent.sim import Network, SimParticle, SimulationResult
from edge_agent.store import StateDir
from edge_agent.trace import TRACE_KEY, Record, decode_report
from tests.test_node import LOCAL, _closed_port, node_config

DEFAULT_TTL_MS = 60_000
SETTLE_MARGIN_S = 5.0
"""How long past a particle's ttl a node run may take to settle before the test fails."""

Step = tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]
"""One core event and the actions it returned, described without ids, times or signatures."""

Names = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run (or delivered copy) did, in peer names, on either driver."""

    particle: Any
    """The envelope started (or delivered): `deliver` it again to replay it."""
    responses: list[list[Any]]
    """Args of each `callbackSrv.response` on the init peer, in order."""
    errors: list[list[Any]]
    """Args of each `errorHandlingSrv.error` on the init peer, in order."""
    calls: list[tuple[str, str, str, list[Any]]]
    """(peer, service, function, args) of every call a core asked for, in each peer's order."""
    failures: list[tuple[str, int, str]]
    """(peer, ret_code, message) of every run that ended with an uncaught error."""
    drops: list[tuple[str, str]]
    """(peer, verdict) of every copy refused, by a core or (on nodes) by the CoAP edge."""
    undelivered: list[str]
    """Peers that a copy with calls for them could not reach (sorted, once each)."""
    trace: dict[str, list[Step]]
    """Per peer, the events of this particle its core handled (ticks aside) and their actions."""
    reported: tuple[tuple[str, int, str, str], ...] = ()
    """(peer, ret_code, message, instruction) of each failure report the init peer took."""
    traced: tuple[tuple[Any, ...], ...] = ()
    """(peer, records without times) of each trace report (or own records) the init peer took."""


# --- describing core events and actions, the same way for both drivers ---------------------


def _entries(raw: bytes, names: Names) -> tuple[Any, ...]:
    """The data a copy carries (results and who produced them), without seals."""
    try:
        data = air_data.decode(raw)
    except DataError:  # over a limit a test lowered: its receiver will say so
        return ("over the limits",)
    return tuple(
        sorted(
            (key, int(e.kind), repr(_records(decode_report(e.value, 10**6)[1], names)) if key == TRACE_KEY
             else repr(names(e.value)), names(e.peer), e.stream, e.gen)
            for key, e in data.entries.items()
        )
    )


def _records(records: Iterable[Record], names: Names) -> tuple[Any, ...]:
    """Trace records without their times and durations (each driver's clock gives its own)."""
    return tuple((r.step.name, names(r.peer), r.service, r.function, r.code, names(r.text)) for r in records)


def describe_event(event: Event, names: Names) -> tuple[Any, ...]:
    if isinstance(event, Arrived):
        return ("arrived", names(event.sender), event.local)
    if isinstance(event, CallsDone):
        results = sorted(
            (k, r.ret_code, repr(names(r.value)), names(r.message)) for k, r in event.results.items()
        )
        return ("results", tuple(results))
    if isinstance(event, SendFailed):  # the reason is the transport's own words
        return ("send_failed", names(event.target), event.call_keys)
    return ("tick",)


def describe_action(action: Action, names: Names) -> tuple[Any, ...]:
    if isinstance(action, CallServices):
        return ("call", tuple((r.key, r.service, r.function, repr(names(r.args))) for r in action.requests))
    if isinstance(action, SendCopy):
        return ("send", names(action.target), action.call_keys, _entries(action.envelope.data, names))
    if isinstance(action, Dropped):
        return ("dropped", action.verdict.value)
    if isinstance(action, Duplicate):
        return ("duplicate", names(action.sender))
    if isinstance(action, ScriptFailed):
        return ("failed", action.ret_code, names(action.message), names(action.instruction))
    if isinstance(action, FailureReported):
        return ("failure_reported", names(action.peer), action.ret_code, names(action.message))
    if isinstance(action, Traced):
        return ("traced", names(action.peer), _records(action.records, names), action.dropped)
    assert isinstance(action, Forgotten)
    return ("forgotten", action.why)


_UNREACHABLE_REASON = re.compile(r"""(is unreachable: )(?:(?!\\?"').)*""", re.S)


def without_reasons(value: Any) -> Any:
    """`value` with the transport's reason for an unreachable peer left out of its strings:
    the simulator says "did not answer", a node what its CoAP client saw."""
    if isinstance(value, str):
        return _UNREACHABLE_REASON.sub(r"\1...", value)
    if isinstance(value, list | tuple):
        return [without_reasons(v) for v in value]
    if isinstance(value, dict):
        return {k: without_reasons(v) for k, v in value.items()}
    return value


def _particle_of(event: Event) -> str | None:
    if isinstance(event, Arrived):
        return event.envelope.id
    if isinstance(event, CallsDone | SendFailed):
        return event.particle_id
    return None


class _Recorder:
    """Every event one core handles, with the actions it returned (wraps `core.handle`)."""

    def __init__(self, core: ParticleCore) -> None:
        self.log: list[tuple[Event, list[Action]]] = []
        handle = core.handle

        def recording(event: Event, now_ms: int) -> list[Action]:
            actions = handle(event, now_ms)
            self.log.append((event, list(actions)))
            return actions

        core.handle = recording  # type: ignore[method-assign]


def _outcome(
    particle: Any,
    logs: Mapping[str, list[tuple[Event, list[Action]]]],
    names: Names,
    responses: list[list[Any]],
    errors: list[list[Any]],
    edge_drops: Iterable[tuple[str, str]] = (),
) -> Outcome:
    trace: dict[str, list[Step]] = {}
    calls: list[tuple[str, str, str, list[Any]]] = []
    failures: list[tuple[str, int, str]] = []
    reported: list[tuple[str, int, str, str]] = []
    traced: list[tuple[Any, ...]] = []
    drops: list[tuple[str, str]] = []
    undelivered: set[str] = set()
    for peer, log in logs.items():
        steps = trace[peer] = []
        for event, actions in log:
            if isinstance(event, Tick) or _particle_of(event) != particle.id:
                continue  # ticks come when each driver's clock says; other particles are not ours
            steps.append((describe_event(event, names), tuple(describe_action(a, names) for a in actions)))
            if isinstance(event, SendFailed):
                undelivered.add(names(event.target))
            for a in actions:
                if isinstance(a, CallServices):
                    calls.extend((peer, r.service, r.function, names(r.args)) for r in a.requests)
                elif isinstance(a, ScriptFailed):
                    failures.append((peer, a.ret_code, names(a.message)))
                elif isinstance(a, FailureReported):
                    reported.append((names(a.peer), a.ret_code, names(a.message), names(a.instruction)))
                elif isinstance(a, Dropped):
                    drops.append((peer, a.verdict.value))
                elif isinstance(a, Traced):
                    traced.append(describe_action(a, names)[1:3])
    drops.extend(edge_drops)
    return Outcome(
        particle, names(responses), names(errors), calls, failures, drops, sorted(undelivered), trace,
        tuple(reported), tuple(traced),
    )


# --- the simulator --------------------------------------------------------------------------


class _Network(Network):
    """A `Network` whose peers keep their cores from run to run, recorded, with `trust`."""

    def __init__(self, peers: list[str], trust: Mapping[str, Iterable[str]], **kwargs: Any) -> None:
        super().__init__(peers, **kwargs)
        self._trust = {peer: frozenset([peer, *trusted]) for peer, trusted in trust.items()}
        self._cores: dict[str, ParticleCore] = {}
        self.recorders: dict[str, _Recorder] = {}

    def core(self, peer: str) -> ParticleCore:
        core = self._cores.get(peer)
        if core is None:
            core = self._cores[peer] = super().core(peer)
            if peer in self._trust:
                core.trusted = self._trust[peer].__contains__
            self.recorders[peer] = _Recorder(core)
        return core


class SimDriver:
    """The peers on `edge_agent.sim` (agent semantics), time simulated from the wall clock."""

    kind = "sim"

    def __init__(
        self,
        peers: Iterable[str],
        tmp_path: Path | None = None,
        *,
        absent: Iterable[str] = (),
        down: Iterable[str] = (),
        trust: Mapping[str, Iterable[str]] | None = None,
        limits: Mapping[str, Any] | None = None,
    ) -> None:
        del tmp_path, absent  # nothing on disk; a peer outside the network has no address
        self.peers = list(peers)
        down = list(down)
        self.net = _Network(
            [*self.peers, *down],
            trust or {},
            reachable={peer: () for peer in down},
            limits=CoreLimits.from_const(**(limits or {})),
        )
        for peer in [*self.peers, *down]:
            self.net.core(peer)  # recorded from the start

    def __enter__(self) -> SimDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.net.close()

    def add_service(self, peer: str, service_id: str, handler: Handler) -> None:
        self.net.add_service(peer, service_id, handler)

    def run(
        self,
        script: str,
        init_peer: str,
        data: Mapping[str, Any] | None = None,
        *,
        relay: str | None = None,
        ttl_ms: int = DEFAULT_TTL_MS,
    ) -> Outcome:
        marks = self._marks()
        result = self.net.run(script, init_peer, data, ttl_ms=ttl_ms, relay=relay)
        assert result.quiescent, f"the simulator stopped after {result.steps} events with work left"
        particle = next(e.envelope for e, _ in self._logs(marks)[init_peer] if isinstance(e, Arrived))
        return self._outcome(particle, marks, result)

    def deliver(self, to: str, particle: SimParticle, sender: str) -> Outcome:
        """Send `particle` (as it is) from `sender` to `to` again, and let it settle."""
        marks = self._marks()
        return self._outcome(particle, marks, self.net.deliver(to, particle, sender))

    def _outcome(self, particle: Any, marks: Mapping[str, int], result: SimulationResult) -> Outcome:
        logs = self._logs(marks)
        in_cores = _outcome(particle, logs, without_reasons, [], []).drops
        edge = Counter((d.peer, d.verdict) for d in result.drops) - Counter(in_cores)  # a node's edge's
        return _outcome(particle, logs, without_reasons, result.responses, result.errors, edge.elements())

    def _marks(self) -> dict[str, int]:
        return {peer: len(r.log) for peer, r in self.net.recorders.items()}

    def _logs(self, marks: Mapping[str, int]) -> dict[str, list[tuple[Event, list[Action]]]]:
        # A down peer's core never hears of anything; on nodes it has none.
        return {peer: self.net.recorders[peer].log[marks[peer]:] for peer in self.peers}


# --- real nodes -----------------------------------------------------------------------------


class NodeDriver:
    """One real `Node` per peer name, in this process, talking CoAP on loopback.

    It owns an event loop: `run` and `deliver` run it until every node is idle (nothing
    received, run, called for or sent anywhere), polling, within the particle's ttl.
    """

    kind = "node"

    def __init__(
        self,
        peers: Iterable[str],
        tmp_path: Path | None = None,
        *,
        absent: Iterable[str] = (),
        down: Iterable[str] = (),
        trust: Mapping[str, Iterable[str]] | None = None,
        limits: Mapping[str, Any] | None = None,
    ) -> None:
        self.peers = list(peers)
        self.down = list(down)
        self._tmp = None if tmp_path is not None else tempfile.TemporaryDirectory(prefix="drivers-")
        self.root = Path(tmp_path if tmp_path is not None else self._tmp.name)  # type: ignore[union-attr]
        self.keys = {name: KeyPair.generate() for name in [*self.peers, *absent, *self.down]}
        self.ids = {name: k.peer_id for name, k in self.keys.items()}
        self._names = {pid: name for name, pid in self.ids.items()}
        self._literal = re.compile('"(' + "|".join(re.escape(n) for n in self.ids) + ')"')
        self._id_in_text = re.compile("|".join(re.escape(pid) for pid in self._names))
        self.limits = CoreLimits.from_const(**(limits or {}))
        self.trust = dict(trust or {})
        self.nodes: dict[str, Node] = {}
        self.recorders: dict[str, _Recorder] = {}
        self.loop = asyncio.new_event_loop()
        try:
            self._wait(self._start(), 30)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> NodeDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every node and close the loop (idempotent)."""
        if not self.loop.is_closed():
            for node in self.nodes.values():
                self.loop.run_until_complete(node.stop())
            self.loop.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _wait(self, coro: Any, timeout_s: float) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout_s))

    async def _start(self) -> None:
        members = [*self.peers, *self.down]
        for name in self.peers:
            state = StateDir(self.root / name)
            for other in self.trust.get(name, [m for m in members if m != name]):
                # fsync, off the loop: nodes started before run on it (it took 143 ms on a
                # busy disk, and the suite's loop-block check failed the test)
                await asyncio.to_thread(state.trust, self.ids[other])
            node = Node(node_config(self.root / name), keypair=self.keys[name])
            node.core.limits = self.limits
            self.recorders[name] = _Recorder(node.core)
            self.nodes[name] = node
            await node.start()
        gone = Address(LOCAL, _closed_port())  # nothing listens there: every send to it fails
        for name, node in self.nodes.items():
            for other in self.peers:
                if other != name:
                    node.book.add(self.ids[other], Address(LOCAL, self.nodes[other].port), Source.STATIC)
            for other in self.down:
                node.book.add(self.ids[other], gone, Source.STATIC)

    # --- names and ids ----------------------------------------------------------------------

    def to_ids(self, value: Any) -> Any:
        """Peer names (whole strings) as peer ids, in a value going in."""
        if isinstance(value, str):
            return self.ids.get(value, value)
        if isinstance(value, list):
            return [self.to_ids(v) for v in value]
        if isinstance(value, dict):
            return {k: self.to_ids(v) for k, v in value.items()}
        return value

    def to_names(self, value: Any) -> Any:
        """Peer ids (anywhere in a string) as peer names, in a value coming out."""
        if isinstance(value, str):
            return self._id_in_text.sub(lambda m: self._names[m.group(0)], value)
        if isinstance(value, list | tuple):
            return [self.to_names(v) for v in value]
        if isinstance(value, dict):
            return {self.to_names(k): self.to_names(v) for k, v in value.items()}
        return value

    def view(self, value: Any) -> Any:
        """A value coming out, as the simulator would give it: names, and no transport reasons."""
        return without_reasons(self.to_names(value))

    def script(self, script: str) -> str:
        """`script` with every string literal that is a peer name made that peer's id."""
        return self._literal.sub(lambda m: f'"{self.ids[m.group(1)]}"', script)

    # --- running ----------------------------------------------------------------------------

    def add_service(self, peer: str, service_id: str, handler: Handler) -> None:
        def serve(function: str, args: list[Any]) -> Any:
            return self.to_ids(handler(function, self.to_names(args)))

        self.nodes[peer].services.add_handler(service_id, serve)

    def run(
        self,
        script: str,
        init_peer: str,
        data: Mapping[str, Any] | None = None,
        *,
        relay: str | None = None,
        ttl_ms: int = DEFAULT_TTL_MS,
    ) -> Outcome:
        within_s = ttl_ms / 1000 + 2 * SETTLE_MARGIN_S
        return self._wait(self._run(script, init_peer, data, relay, ttl_ms), within_s)

    async def _run(
        self, script: str, init_peer: str, data: Mapping[str, Any] | None, relay: str | None, ttl_ms: int
    ) -> Outcome:
        marks, rejected = self._marks(), self._rejected()
        started = await self.nodes[init_peer].start_particle(
            self.script(script),
            self.to_ids(dict(data or {})),
            relay=self.ids[relay] if relay is not None else None,
            ttl_ms=ttl_ms,
        )
        await self._settle(ttl_ms / 1000 + SETTLE_MARGIN_S)
        client = started.client
        return _outcome(
            started.particle, self._logs(marks), self.view, client.responses, client.errors,
            self._edge_drops(rejected),
        )

    def deliver(self, to: str, particle: Any, sender: str) -> Outcome:
        """Send `particle` (as it is) from `sender` to `to` over CoAP again, and let it settle."""
        return self._wait(self._deliver(to, particle, sender), particle.ttl_ms / 1000 + 2 * SETTLE_MARGIN_S)

    async def _deliver(self, to: str, particle: Any, sender: str) -> Outcome:
        marks, rejected = self._marks(), self._rejected()
        target = self.nodes[to]
        sent = await self.nodes[sender].client.send_particle(
            Address(LOCAL, target.port),
            particle.encode(),
            deadline_ms=particle.timestamp_ms + particle.ttl_ms,
            sender=self.ids[sender],
        )
        assert not sent.reply, "deliver is for copies that send nothing back to their sender"
        await self._settle(particle.ttl_ms / 1000 + SETTLE_MARGIN_S)
        return _outcome(particle, self._logs(marks), self.view, [], [], self._edge_drops(rejected))

    async def _settle(self, within_s: float) -> None:
        """Poll until every node is idle at once (see `Node.idle`); fail after `within_s`."""
        deadline = time.monotonic() + within_s
        while not all(node.idle for node in self.nodes.values()):
            if time.monotonic() > deadline:
                busy = [name for name, node in self.nodes.items() if not node.idle]
                raise AssertionError(f"nodes {busy} still busy after {within_s} s")
            await asyncio.sleep(0.002)

    def _marks(self) -> dict[str, int]:
        return {peer: len(r.log) for peer, r in self.recorders.items()}

    def _logs(self, marks: Mapping[str, int]) -> dict[str, list[tuple[Event, list[Action]]]]:
        return {peer: r.log[marks[peer]:] for peer, r in self.recorders.items()}

    def _rejected(self) -> dict[str, Counter[str]]:
        """What each node's CoAP edge refused so far, by reason (before the core saw it)."""
        return {name: Counter(node.server.stats()["rejected"]) for name, node in self.nodes.items()}

    def _edge_drops(self, before: Mapping[str, Counter[str]]) -> list[tuple[str, str]]:
        now = self._rejected()
        return [(name, reason) for name in now for reason in sorted((now[name] - before[name]).elements())]


DRIVERS: dict[str, type[SimDriver] | type[NodeDriver]] = {"sim": SimDriver, "node": NodeDriver}


def make_driver(
    kind: str, peers: Iterable[str], tmp_path: Path | None = None, **options: Any
) -> SimDriver | NodeDriver:
    """A started driver of `kind` ("sim" or "node") for `peers`; close it (or use `with`)."""
    return DRIVERS[kind](peers, tmp_path, **options)
