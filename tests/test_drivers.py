"""The simulator and real nodes give the same results, event for event (issue 9).

Every case runs on both drivers of tests/support/drivers.py: `edge_agent.sim` (agent
semantics) and real `Node`s talking CoAP on loopback. Each driver's outcome must be what is
expected (AquaVM's, for the conformance corpus), and the two outcomes must be the same:
responses and errors in order, calls per peer as a multiset, failures, drop verdicts per
peer, undelivered peers, and what each peer's particle core did.

"Event for event": for each peer, the events its core handled for the particle (a copy
arrived from X, call results, a send failed) and the actions it returned (calls, copies
sent with their data, drops, failures, particles forgotten), described without ids, times
or signatures. Where the script is sequential (no `par`), only one peer holds the particle
at a time and the order of those steps is deterministic: the per-peer sequences must be
equal. With `par`, copies race (on nodes, truly in parallel), and which results one run
sees together depends on timing (the simulator serves a peer's calls after the copies
already queued, a node at once), so each peer's events and actions are compared as a
multiset, every call, result and copy on its own, copies without their data (`flat`).
Where even the values depend on which copy arrives first (`RACES`), nodes must do the same
things with possibly other values (`same_shape`). Ticks are left out on both sides: each
driver's clock decides when they come.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.air.calls import RET_UNREACHABLE
from edge_agent.services.base import ServiceError
from edge_agent.trace import request
from tests.air.test_oracle_conformance import (
    CASE_DIRS,
    DEFAULT_TTL_MS,
    SEMANTIC_FIELDS,
    as_service,
    load_case,
    semantic_view,
    service_handlers,
)
from tests.support.drivers import NodeDriver, Outcome, SimDriver, Step, make_driver

KINDS = ("sim", "node")

# --- the AquaVM corpus ------------------------------------------------------------------------

LOSSY = "needs AquaVM's lossy network: a copy refused by `reachable` or meant for a peer outside " \
        "the network vanishes there, while an agent fails the calls meant for that peer (error 14)"
CLOCK = "depends on the oracle's fixed clock (%timestamp% or peer.timestamp_*): a node stamps " \
        "particles with the wall clock and refuses ones that old"
EXCLUDED = {
    "aqua-04-for-par-join": LOSSY,
    "aqua-15-co": LOSSY,
    "aqua-20-for-par-join-5": LOSSY,
    "aqua-22-for-par-join-partial-failure": LOSSY,
    "multi-06-relay-direct-send-dropped": LOSSY,
    "error-11-peer-not-in-network": LOSSY,
    "multi-08-fanout-undelivered-peer": LOSSY,
    "aqua-18-multiple-return-values": CLOCK,
    "value-06-init-peer-timestamp-ttl": CLOCK,
}
"""Corpus cases the drivers cannot both model, and why. The other cases with `reachable`
(relay-mode Aqua) run without it: AquaVM's run refused no copy (its `dropped` is empty), so
the restriction does not shape their result."""

CORPUS = [d for d in CASE_DIRS if d.name not in EXCLUDED]

ARRIVAL_ORDER = "its result depends on which parallel branch's copy arrives first (stream order, " \
                "the first value to arrive): AquaVM's schedule is one of the orders real peers take"
RACES = {
    "air-07-fold-fanout-canon-join": ARRIVAL_ORDER,
    "aqua-13-parseq": ARRIVAL_ORDER,
    "multi-01-fanout-5-peers-stream-join": ARRIVAL_ORDER,
    "multi-03-fanout-no-join-first-arrival": ARRIVAL_ORDER,
    "multi-07-fanout-one-peer-fails": ARRIVAL_ORDER,
    "multi-10-fanout-results-via-relay": ARRIVAL_ORDER,
    "multi-13-pending-local-call-not-forwarded": ARRIVAL_ORDER,
    "multi-14-pending-local-call-via-relay": ARRIVAL_ORDER,
    "streamfold-08-join-without-never": ARRIVAL_ORDER,
}
"""Corpus cases whose result on nodes is one of several valid ones. The simulator (whose
schedule is AquaVM's) must match AquaVM; nodes must do the same things in some order: the
same calls with the same keys on the same peers, the same copies to the same peers, the
same number of responses (`same_shape`), but the values may come in another order."""


def test_the_exclusions_name_corpus_cases() -> None:
    assert set(EXCLUDED) | set(RACES) <= {d.name for d in CASE_DIRS}
    assert not set(EXCLUDED) & set(RACES)
    for d in CORPUS:
        case, _, expected = load_case(d)
        assert not expected["dropped"] and not expected["undelivered"], f"{d.name}: {LOSSY}"
        assert "timestamp" not in case, f"{d.name}: {CLOCK}"


def oracle_shape(outcome: Outcome) -> dict[str, Any]:
    """An outcome in the shape of the oracle's expected.json (what `semantic_view` reads)."""
    return {
        "responses": outcome.responses,
        "errors": outcome.errors,
        "calls": [{"peer": p, "service": s, "function": f, "args": a} for p, s, f, a in outcome.calls],
        "failures": [{"peer": peer, "ret_code": code} for peer, code, _ in outcome.failures],
        "undelivered": outcome.undelivered,
        "quiescent": True,  # a driver fails the test if its run does not settle
    }


@pytest.mark.parametrize("case_dir", CORPUS, ids=[d.name for d in CORPUS])
def test_corpus_case_on_both_drivers(case_dir: Path, tmp_path: Path) -> None:
    case, script, expected = load_case(case_dir)
    want = semantic_view(expected)
    outcomes = {}
    for kind in KINDS:
        with make_driver(kind, case["peers"], tmp_path / kind) as net:
            for (peer, service_id), handler in service_handlers(case).items():
                net.add_service(peer, service_id, as_service(handler))
            outcome = net.run(
                script, case["init_peer"], case.get("data", {}),
                relay=case.get("relay"), ttl_ms=case.get("ttl", DEFAULT_TTL_MS),
            )
        outcomes[kind] = outcome
        if kind == "node" and case_dir.name in RACES:
            continue
        got = semantic_view(oracle_shape(outcome))
        for name in SEMANTIC_FIELDS:
            assert got[name] == want[name], f"{kind}: {name} differs from AquaVM"
    if case_dir.name in RACES:
        assert same_shape(outcomes["node"]) == same_shape(outcomes["sim"])
    else:
        assert_same(outcomes["sim"], outcomes["node"], ordered=sequential(script))


# --- comparing the two drivers ----------------------------------------------------------------


def sequential(script: str) -> bool:
    """No `par`: one peer holds the particle at a time, so each peer's steps come in one order."""
    return re.search(r"\(\s*par\b", script) is None


def assert_same(sim: Outcome, node: Outcome, *, ordered: bool) -> None:
    """The two drivers' outcomes are the same, event for event (see the module docstring)."""
    assert node.responses == sim.responses
    assert node.errors == sim.errors
    assert sorted(map(repr, node.calls)) == sorted(map(repr, sim.calls))
    assert Counter(node.failures) == Counter(sim.failures)
    assert Counter(node.drops) == Counter(sim.drops)
    assert node.undelivered == sim.undelivered
    assert node.trace.keys() == sim.trace.keys()
    for peer in sim.trace:
        if ordered:
            assert node.trace[peer] == sim.trace[peer], f"{peer}: steps differ"
        else:
            assert flat(node.trace[peer]) == flat(sim.trace[peer]), f"{peer}: events or actions differ"


def flat(steps: list[Step]) -> Counter[tuple[Any, ...]]:
    """The events and actions of `steps` as one multiset, each call and result on its own and
    copies without their data: what stays the same whichever copy of a `par` comes first
    (which results one run sees together, and so what it sends, does not)."""
    items: Counter[tuple[Any, ...]] = Counter()
    for event, actions in steps:
        if event[0] == "results":
            items.update(("result", *r) for r in event[1])
        else:
            items[event] += 1
        for action in actions:
            if action[0] == "call":
                items.update(("call", *r) for r in action[1])
            elif action[0] == "send":
                items[action[:3]] += 1
            else:
                items[action] += 1
    return items


def same_shape(outcome: Outcome) -> dict[str, Any]:
    """What no order of arrival changes: who called what (by call key), who sent copies with
    which calls to whom, what failed or was dropped where, and how many responses and errors."""
    def shapeless(item: tuple[Any, ...]) -> tuple[Any, ...]:
        kind = item[0]
        if kind == "result":
            return item[:3]  # key, ret_code
        if kind == "call":
            return item[:4]  # key, service, function
        return item

    return {
        "responses": len(outcome.responses),
        "errors": len(outcome.errors),
        "failures": Counter((peer, code) for peer, code, _ in outcome.failures),
        "drops": Counter(outcome.drops),
        "undelivered": outcome.undelivered,
        "trace": {
            peer: Counter(shapeless(item) for item in flat(steps).elements())
            for peer, steps in outcome.trace.items()
        },
    }


# --- unreachable peers, eviction, limits --------------------------------------------------------

RESPOND = '(call %init_peer_id% ("callbackSrv" "response") [{}])'
REPORT = '(call %init_peer_id% ("errorHandlingSrv" "error") [:error:])'
Driver = SimDriver | NodeDriver


def seq(*steps: str) -> str:
    """AIR: `steps` one after the other."""
    return steps[0] if len(steps) == 1 else f"(seq {steps[0]} {seq(*steps[1:])})"


NOOP_ON_Z = '(call "nodeZ" ("op" "noop") [])'
NOOP_ON_A = seq('(call "nodeA" ("op" "noop") [])', RESPOND.format("1"))
"""A call on nodeA, then a response."""


def forgotten(outcome: Outcome, peer: str) -> list[str]:
    """Why `peer` let go of particles during this run (evicted to make room, over budget)."""
    return [action[1] for _, actions in outcome.trace[peer] for action in actions if action[0] == "forgotten"]


@dataclass(frozen=True)
class Scenario:
    """A sequence of runs played on a driver; `play` asserts what each driver must give and
    returns the outcomes, which must then be the same on both drivers, step for step (every
    script here is sequential)."""

    play: Callable[[Driver], list[Outcome]]
    peers: tuple[str, ...] = ("client", "nodeA")
    options: Mapping[str, Any] = field(default_factory=dict)
    const: Mapping[str, Any] = field(default_factory=dict)
    """edge_agent.const values patched for the scenario (both drivers read them)."""

    @property
    def name(self) -> str:
        return self.play.__name__


def unreachable_error(outcome: Outcome, peer: str) -> None:
    """The one error the init peer received: a call on `peer` that failed with error 14."""
    assert outcome.responses == [], outcome.responses
    [[error]] = outcome.errors
    assert error["error_code"] == 10000 and error["peer_id"] == peer, error
    assert f"ret_code is {RET_UNREACHABLE}" in error["message"], error
    assert f"peer {peer} is unreachable: " in error["message"], error
    assert outcome.undelivered == [peer]


def caught_absent_peer(net: Driver) -> list[Outcome]:
    """nodeZ has an id but no address: nodeA's copy for it fails at once, the xor reports it."""
    script = seq('(call "nodeA" ("op" "noop") [])', '(call "nodeZ" ("op" "noop") [] r)', RESPOND.format("r"))
    outcome = net.run(f"(xor {script} {REPORT})", "client")
    unreachable_error(outcome, "nodeZ")
    return [outcome]


def caught_down_peer(net: Driver) -> list[Outcome]:
    """nodeZ has an address, but nothing answers there: the client gives up on it after the
    delivery timeout (lowered to a second; the only send that has to wait for it)."""
    script = f'(xor {seq("""(call "nodeZ" ("op" "noop") [] r)""", RESPOND.format("r"))} {REPORT})'
    outcome = net.run(script, "client")
    unreachable_error(outcome, "nodeZ")
    return [outcome]


def uncaught_unreachable_peers(net: Driver) -> list[Outcome]:
    """Without an xor, the run on the peer that could not send fails; nothing comes back."""
    outcomes = []
    for first in ("client", "nodeA"):  # the init peer's own copy fails, then a relay's
        script = seq(f'(call "{first}" ("op" "noop") [])', NOOP_ON_Z, RESPOND.format("1"))
        outcome = net.run(script, "client")
        assert outcome.responses == [] and outcome.errors == []
        [(peer, code, message)] = outcome.failures
        assert (peer, code) == (first, 10000) and "peer nodeZ is unreachable" in message
        # nodeA's failure is reported to the client (sealed); the client's own is its own news
        assert [r[:2] for r in outcome.reported] == ([("nodeA", 10000)] if first == "nodeA" else [])
        outcomes.append(outcome)
    return outcomes


def idle_particles_evicted_then_replays(net: Driver) -> list[Outcome]:
    """At the particle limit, the least recently active idle particle gives way to a new one
    (on both peers); its id is kept, so a copy of it that comes again is a replay."""
    script = seq(
        '(call %init_peer_id% ("getDataSrv" "i") [] i)',
        '(call "nodeA" ("op" "identity") [i] r)',
        RESPOND.format("r"),
    )
    outcomes = [net.run(script, "client", {"i": i}) for i in range(6)]
    for i, outcome in enumerate(outcomes):
        assert outcome.responses == [[i]]
        for peer in ("client", "nodeA"):
            assert forgotten(outcome, peer) == ["evicted to make room"] * (i >= 4), (i, peer)
    replay = net.deliver("nodeA", outcomes[0].particle, sender="client")
    assert replay.drops == [("nodeA", "replay")]
    return [*outcomes, replay]


def held_data_is_bounded_in_weight(net: Driver) -> list[Outcome]:
    """Each particle holds a thousand numbers (~77 KB of weight: bytes plus 72 per decoded
    item); with room for 200 KB, the third one makes an idle one give way, on both peers."""
    script = seq(
        '(call %init_peer_id% ("getDataSrv" "blob") [] blob)',
        '(call "nodeA" ("op" "array_length") [blob] n)',
        RESPOND.format("n"),
    )
    outcomes = [net.run(script, "client", {"blob": list(range(1000))}) for _ in range(4)]
    assert [o.responses for o in outcomes] == [[[1000]]] * 4
    for peer in ("client", "nodeA"):
        assert [len(forgotten(o, peer)) for o in outcomes] == [0, 0, 1, 1], peer
    return outcomes


def strangers_get_a_share_of_the_room(net: Driver) -> list[Outcome]:
    """nodeA does not trust the client: its particles may fill only 3/4 of nodeA's room."""
    outcomes = [net.run(NOOP_ON_A, "client") for _ in range(5)]
    assert [len(forgotten(o, "nodeA")) for o in outcomes] == [0, 0, 0, 1, 1]
    assert [len(forgotten(o, "client")) for o in outcomes] == [0, 0, 0, 0, 1]  # its own: all the room
    return outcomes


SPIN = seq(
    '(call "nodeA" ("op" "array") [1 2 3 4 5 6 7 8 9 10] xs)',
    "(fold xs a (seq (fold xs b (seq (fold xs c (seq (null) (next c))) (next b))) (next a)))",
    RESPOND.format("1"),
)
"""About 3,000 interpreter steps on nodeA, then a response."""


def a_strangers_particle_over_its_budget_is_dropped(net: Driver) -> list[Outcome]:
    outcome = net.run(SPIN, "client")
    assert outcome.responses == [] and outcome.failures == []
    assert outcome.drops == [("nodeA", "over_budget")]
    assert forgotten(outcome, "nodeA") == ["over its budget"]
    return [outcome]


def a_trusted_particle_has_the_larger_budget(net: Driver) -> list[Outcome]:
    outcome = net.run(SPIN, "client")
    assert outcome.responses == [[1]] and outcome.drops == []
    return [outcome]


def data_over_the_items_limit_is_malformed(net: Driver) -> list[Outcome]:
    """3,000 empty arrays weigh 3 KB on the wire, over a limit of 2,000 decoded items."""
    script = seq(
        '(call %init_peer_id% ("getDataSrv" "blob") [] blob)',
        '(call "nodeA" ("op" "array_length") [blob] n)',
        RESPOND.format("n"),
    )
    outcome = net.run(script, "client", {"blob": [[]] * 3000})
    assert outcome.drops == [("nodeA", "malformed")] and outcome.responses == []
    small = net.run(script, "client", {"blob": [[]] * 100})
    assert small.responses == [[100]] and small.drops == []
    return [outcome, small]


def a_stranger_starting_too_many_particles_is_rate_limited(net: Driver) -> list[Outcome]:
    outcomes = [net.run(NOOP_ON_A, "client") for _ in range(4)]
    assert [o.responses for o in outcomes] == [[[1]], [[1]], [], []]
    assert [o.drops for o in outcomes] == [[], [], [("nodeA", "rate_limited")], [("nodeA", "rate_limited")]]
    return outcomes


def failing_and_misbehaving_services(net: Driver) -> list[Outcome]:
    """A handler that refuses, one that crashes and one that returns no JSON value: each call
    fails with the same message on both drivers, and an xor catches it."""
    def refuse(function: str, args: list[Any]) -> Any:
        raise ServiceError("disk full", ret_code=3)

    def crash(function: str, args: list[Any]) -> Any:
        raise KeyError("k")

    for name, handler in (("refuse", refuse), ("crash", crash), ("nan", lambda f, a: float("nan"))):
        net.add_service("nodeA", name, handler)
    catch = '(xor (call "nodeA" ("{}" "f") []) ' + RESPOND.format(":error:.$.message") + ")"
    script = seq(catch.format("refuse"), catch.format("crash"), catch.format("nan"))
    outcome = net.run(script, "client")
    assert [m for [m] in outcome.responses] == [
        "Local service error, ret_code is 3, error message is '\"disk full\"'",
        "Local service error, ret_code is 1, error message is '\"internal error in crash.f: 'k'\"'",
        "Local service error, ret_code is 1, error message is "
        "'\"the service returned an invalid value: NaN and infinities are not JSON values\"'",
    ]
    return [outcome]


def a_ttl_over_the_limit_is_refused_before_the_core(net: Driver) -> list[Outcome]:
    """The client may start a particle that lives two hours, but nodeA's edge refuses it
    (malformed: over its ttl limit) before its core sees it, and says so at once: the
    client's call on nodeA fails with error 14."""
    outcome = net.run(f"(xor {NOOP_ON_A} {REPORT})", "client", ttl_ms=2 * const.MAX_PARTICLE_TTL_MS)
    unreachable_error(outcome, "nodeA")
    assert outcome.drops == [("nodeA", "malformed")]
    assert outcome.trace["nodeA"] == []
    return [outcome]


def a_failure_on_a_peer_comes_back_to_the_init_peer(net: Driver) -> list[Outcome]:
    """Issue 11: nodeB's uncaught error reaches the client as nodeB's sealed failure report
    (the script computes what it did before: no response, no error); with an xor, no report."""
    def broken(function: str, args: list[Any]) -> Any:
        raise ServiceError("no such sensor", ret_code=3)

    net.add_service("nodeB", "sensor", broken)
    read = '(call "nodeB" ("sensor" "read") [] r)'
    script = seq('(call "nodeA" ("op" "noop") [])', read, RESPOND.format("r"))
    outcome = net.run(script, "client")
    assert outcome.responses == [] and outcome.errors == []
    [(peer, code, message, instruction)] = outcome.reported
    assert (peer, code) == ("nodeB", 10000) and "no such sensor" in message
    assert instruction == 'call "nodeB" ("sensor" "read") [] r'
    assert [(p, c) for p, c, _ in outcome.failures] == [("nodeB", 10000)]
    caught = net.run(f"(xor {script} {REPORT})", "client")
    assert caught.reported == () and caught.failures == [] and len(caught.errors) == 1
    return [outcome, caught]


STRANGER = {"trust": {"nodeA": ()}}
SCENARIOS = [
    Scenario(failing_and_misbehaving_services),
    Scenario(caught_absent_peer, options={"absent": ["nodeZ"]}),
    Scenario(caught_down_peer, options={"down": ["nodeZ"], "limits": {"delivery_timeout_ms": 1000}}),
    Scenario(uncaught_unreachable_peers, options={"absent": ["nodeZ"]}),
    Scenario(a_failure_on_a_peer_comes_back_to_the_init_peer, peers=("client", "nodeA", "nodeB")),
    Scenario(a_ttl_over_the_limit_is_refused_before_the_core),
    Scenario(idle_particles_evicted_then_replays, options={"limits": {"max_particles": 4}}),
    Scenario(held_data_is_bounded_in_weight, options={"limits": {"max_held_bytes": 200_000}}),
    Scenario(strangers_get_a_share_of_the_room, options={**STRANGER, "limits": {"max_particles": 4}}),
    Scenario(a_strangers_particle_over_its_budget_is_dropped,
             options={**STRANGER, "limits": {"stranger_particle_steps": 3000}}),
    Scenario(a_trusted_particle_has_the_larger_budget, options={"limits": {"stranger_particle_steps": 3000}}),
    Scenario(data_over_the_items_limit_is_malformed, const={"MAX_DATA_ITEMS": 2000}),
    Scenario(a_stranger_starting_too_many_particles_is_rate_limited,
             options={**STRANGER, "limits": {"new_burst": 2, "new_per_s": 0.001}}),
]


def test_a_traced_run_on_both_drivers(tmp_path: Path) -> None:
    """Issue 11: each peer's trace reaches the client, the same on both drivers (times aside;
    a node's reports race its copies, so the steps are compared as multisets)."""
    script = request(seq('(call "nodeA" ("op" "noop") [])', '(call "nodeB" ("op" "identity") [1] r)',
                         RESPOND.format("r")))
    outcomes = {}
    for kind in KINDS:
        with make_driver(kind, ("client", "nodeA", "nodeB"), tmp_path / kind) as net:
            outcomes[kind] = net.run(script, "client")
    sim, node = outcomes["sim"], outcomes["node"]
    assert_same(sim, node, ordered=False)
    assert Counter(node.traced) == Counter(sim.traced)
    assert Counter(peer for peer, _ in sim.traced) == Counter({"client": 2, "nodeA": 1, "nodeB": 1})
    assert sorted(sim.traced)[-1] == ("nodeB", (
        ("ARRIVED", "nodeA", "", "", 0, ""),
        ("CALL", "", "op", "identity", 0, ""),
        ("SENT", "client", "", "", 0, ""),
    ))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_on_both_drivers(
    scenario: Scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in scenario.const.items():
        monkeypatch.setattr(const, name, value)
    outcomes = {}
    for kind in KINDS:
        with make_driver(kind, scenario.peers, tmp_path / kind, **scenario.options) as net:
            outcomes[kind] = scenario.play(net)
    assert len(outcomes["node"]) == len(outcomes["sim"])
    for sim, node in zip(outcomes["sim"], outcomes["node"], strict=True):
        assert_same(sim, node, ordered=True)
