"""Incremental runs (edge_agent/air/resume.py) against the full replay, their reference.

Random scripts over three peers run with random delivery orders, random call results and
failures, and random unreachable peers, both ways in lock step: every run must report the
same data, next peers, call requests, ret code and error in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from edge_agent.air import Data, RunParams, run
from edge_agent.air import data as D
from edge_agent.air.calls import RET_UNREACHABLE, CallResult
from edge_agent.air.data import Entry, Kind
from edge_agent.air.errors import REFUSED_COPY_CODES, ParseError
from edge_agent.air.interpreter import RunResult, compile_script

PEERS = ["a", "b", "c"]
peer = st.sampled_from(['"a"', '"b"', '"c"', "%init_peer_id%", "x", "x", "y", "v1.$.[0]"])
value = st.sampled_from(
    [
        "1",
        '"b"',
        "v1",
        "v2",
        "x",
        "y",
        "#c",
        "v1.length",
        "[]",
        "%last_error%.$.message",
        ":error:.$.error_code",
        "v1.$.[0]",
        "v2.$.n",
    ]
)
output = st.sampled_from(["", " w1", " w2", " $s", " $t"])
iterable = st.sampled_from(["v1", "v2", "$s", "$t", "#c", "#d", "[]"])
iterator = st.sampled_from(["x", "y"])

calls = st.builds(
    lambda p, f, a, o: f'(call {p} ("s" "{f}") [{" ".join(a)}]{o})',
    peer,
    st.sampled_from(["f", "g"]),
    st.lists(value, max_size=2),
    output,
)
leaves = st.one_of(
    calls,
    calls,
    calls,
    st.builds(lambda v, d: f"(ap {v} {d})", value, st.sampled_from(["$s", "$t", "w1", "w2"])),
    st.builds(
        lambda p, s, c: f"(canon {p} {s} {c})",
        peer,
        st.sampled_from(["$s", "$t"]),
        st.sampled_from(["#c", "#d"]),
    ),
    st.sampled_from(["(null)", "(never)", '(fail 7 "m")', "(fail :error:)", "(fail %last_error%)"]),
)


def compound(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(
            lambda k, a, b: f"({k} {a} {b})", st.sampled_from(["seq", "par", "xor"]), children, children
        ),
        st.builds(
            lambda k, a, b, c: f"({k} {a} {b} {c})",
            st.sampled_from(["match", "mismatch"]),
            value,
            value,
            children,
        ),
        st.builds(lambda v, c: f"(new {v} {c})", st.sampled_from(["$s", "w1", "#c"]), children),
        st.builds(
            lambda i, x, b, k, last: f"(fold {i} {x} ({k} {b} (next {x})){last})",
            iterable,
            iterator,
            children,
            st.sampled_from(["seq", "par"]),
            st.sampled_from(["", " (null)"]),
        ),
        st.builds(lambda i, x, b: f"(fold {i} {x} {b})", iterable, iterator, children),
    )


PRELUDE = """(seq (seq (call %init_peer_id% ("p" "f") [] v1) (call %init_peer_id% ("p" "g") [] v2))
  (seq (seq (ap 1 $s) (ap "k" $t)) (seq (canon %init_peer_id% $s #c) (canon %init_peer_id% $t #d))))"""
"""Defines what the random part reads (the validator wants every name written before it is read)."""

small = st.recursive(leaves, compound, max_leaves=6)
shapes = st.one_of(
    st.builds(  # a fan-out with a join on the first n answers (benchmarks/air_bench.py's)
        lambda n, body: (
            f"""(seq (fold v1 x (par (call x ("s" "f") [] $s) (next x)))
          (seq (new $j (fold $s z (seq (seq (ap z $j) (canon %init_peer_id% $j #jn))
                                       (xor (match #jn.length {n} (null)) (next z))) (never)))
               {body}))"""
        ),
        st.integers(0, 3),
        small,
    ),
    st.builds(  # a sequential fold of local calls
        lambda body: f"""(fold v2 x (seq (call %init_peer_id% ("s" "f") [x] $t) (seq {body} (next x))))""",
        small,
    ),
    st.builds(  # a remote call that may fail, and its handler
        lambda body, other: (
            f"""(xor (seq (call v1.$.[0] ("s" "g") [] w1) {body})
          (seq (call %init_peer_id% ("s" "f") [:error:.$.message]) {other}))"""
        ),
        small,
        small,
    ),
)
scripts = (
    st.one_of(shapes, compound(shapes), compound(compound(small)))
    .map(lambda body: f"(seq {PRELUDE} {body})")
    .filter(lambda s: _parses(s))
)


def _parses(text: str) -> bool:
    try:
        compile_script(text)
    except ParseError:
        return False
    return True


results = st.sampled_from(
    [CallResult.success(v) for v in (1, "b", [], ["a"], ["b", "c"], ["a", "b", "c"], {"n": 2})]
    + [CallResult.failure("no", 3)]
)
peer_lists = st.sampled_from([["a", "b"], ["c", "b", "a"], ["b"], ["a", "b", "c", "a"]]).map(
    CallResult.success
)
many_lists = st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h", "z"]), min_size=5, max_size=12)


def _answer(c: Any) -> st.SearchStrategy[CallResult]:
    if c.service != "p":
        return results
    return many_lists.map(CallResult.success) if c.function == "peers" else peer_lists


@dataclass
class Peer:
    data: Data = field(default_factory=Data)
    results: dict[str, CallResult] = field(default_factory=dict)
    resume: Any = None


def outcome(r: RunResult) -> tuple[Any, ...]:
    return (
        r.ret_code,
        r.error_message,
        r.instruction,
        sorted(r.next_peers),
        sorted(r.forwarded.items()),
        r.call_requests,
        D.encode(r.data, max_bytes=1 << 30),
    )


def step(script: str, peers: dict[str, Peer], name: str, incoming: Data, incremental: bool) -> RunResult:
    """What the particle core does with one run (results handed over once, refusals keep the data)."""
    p = peers[name]
    params = RunParams("a", name, 1_700_000_000_000, 60_000, "pid", max_steps=10**7)
    given_results, p.results = p.results, {}
    resume, p.resume = p.resume, None
    r = run(script, p.data, incoming, params, given_results, incremental=incremental, resume=resume)
    if r.ret_code in REFUSED_COPY_CODES:
        p.results.update(given_results)
        return r
    p.data, p.resume = r.data, r.resume
    return r


def lock_step(script: str, draw: Any, peers: list[str], rounds: int) -> tuple[int, int, int]:
    """Deliver copies, call results and unreachable reports in an order `draw` picks, to the
    full replay and the incremental runs alike; every run must report the same. Returns the
    runs, the runs given a resume point, and the runs that took fewer steps than the replay."""
    worlds = {mode: {n: Peer() for n in peers} for mode in (False, True)}
    events: list[tuple[str, str, Any]] = [("run", peers[0], b"")]
    resumes = runs = cheaper = 0
    for _ in range(rounds):
        if not events:
            break
        happened = events.pop(draw.draw(st.integers(0, len(events) - 1)))
        kind, name, arg = happened
        if kind == "result":
            for world in worlds.values():
                world[name].results.update(arg)
        elif kind == "unreachable":  # the sender records error 14 for the calls it forwarded
            for world in worlds.values():
                for key in arg:
                    world[name].data.entries.setdefault(
                        key, Entry(Kind.CALL_FAILED, [RET_UNREACHABLE, "gone"], name)
                    )
        seen, steps = [], []
        for incremental, world in worlds.items():
            if incremental:
                resumes += world[name].resume is not None
            incoming = D.decode(arg) if kind == "run" else Data()
            r = step(script, world, name, incoming, incremental)
            seen.append(outcome(r))
            steps.append(r.steps)
        runs += 1
        cheaper += steps[1] < steps[0]
        assert seen[0] == seen[1], (script, happened)
        ret_code, _, _, next_peers, forwarded, requests, raw = seen[0]
        if ret_code:
            continue
        for target in next_peers:
            if target not in peers or draw.draw(st.integers(0, 5)) == 0:
                events.append(("unreachable", name, dict(forwarded).get(target, [])))
            else:
                events.append(("run", target, raw))
        if requests:
            events.append(
                (
                    "result",
                    name,
                    {c.key: draw.draw(_answer(c)) for c in requests},
                )
            )
    return runs, resumes, cheaper


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(scripts, st.data())
def test_incremental_runs_report_what_full_replays_do(script: str, draw: Any) -> None:
    runs, resumes, _ = lock_step(script, draw, PEERS, 40)
    event(f"runs: {min(runs, 10)}{'+' * (runs >= 10)}, resumed: {min(resumes, 5)}{'+' * (resumes >= 5)}")


MANY = ["a", "b", "c", "d", "e", "f", "g", "h"]  # and "z", which is nobody
fan_bodies = st.sampled_from(
    [
        '(call x ("s" "f") [] $s)',
        '(xor (call x ("s" "f") [] $s) (ap :error:.$.message $s))',
        '(seq (call x ("s" "f") [] w1) (ap w1 $s))',
        '(xor (seq (call x ("s" "f") [] w1) (ap w1 $s)) (null))',
        '(par (call x ("s" "f") [] $s) (call %init_peer_id% ("s" "g") [x] $t))',
        '(seq (call x ("s" "f") [v2] $s) (call x ("s" "g") [] $t))',
    ]
)
joins = st.builds(
    lambda n, inner, after: f"""(seq (new $j (fold $s z (seq (seq (ap z $j) (canon %init_peer_id% $j #jn))
                                     (xor (match #jn.length {n} {inner}) (next z))) (never)))
         {after})""",
    st.integers(0, 9),
    st.sampled_from(["(null)", '(call %init_peer_id% ("s" "g") [#jn.length])']),
    st.one_of(small, st.just('(seq (canon %init_peer_id% $s #all) (call %init_peer_id% ("s" "f") [#all]))')),
)
fan_outs = st.builds(
    lambda body, join, tail: f"""(seq {PRELUDE.replace('("p" "f")', '("p" "peers")')}
  (seq (seq (fold v1 x (par {body} (next x))) {join}) {tail}))""",
    fan_bodies,
    joins,
    st.one_of(st.just("(null)"), small),
).filter(_parses)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(fan_outs, st.data())
def test_fan_outs_with_joins_resume_as_full_replays_run(script: str, draw: Any) -> None:
    """Aqua's `for ... par` with a `join`: a fan-out to up to 12 peers (some unreachable),
    answers in any order, and a fold over the answers' stream; the incremental runs skip
    what they summarised, and report what the full replay does at every run."""
    runs, resumes, cheaper = lock_step(script, draw, MANY, 160)
    event(f"runs: {min(runs // 10 * 10, 30)}+, resumed: {min(resumes // 5 * 5, 15)}+, "
          f"cheaper than the replay: {min(cheaper // 5 * 5, 15)}+")
