"""Resume points (edge_agent/air/resume.py): when a run keeps one, what the next run does with it."""

from __future__ import annotations

from typing import Any

from edge_agent.air import Data, RunParams, run
from edge_agent.air import data as D
from edge_agent.air.calls import CallResult
from edge_agent.air.interpreter import RunResult
from edge_agent.air.resume import REPLAY, RESUME_BASE_ITEMS, RESUME_ITEMS_PER_ENTRY

FOLD = """(seq (call %init_peer_id% ("s" "xs") [] xs)
  (fold xs x (seq (call %init_peer_id% ("op" "noop") [x] r) (next x))))"""
FAN_OUT = """(seq (call %init_peer_id% ("s" "xs") [] xs)
  (seq (fold xs x (par (call x ("s" "f") [] $out) (next x)))
       (seq (canon %init_peer_id% $out #all) (call %init_peer_id% ("s" "done") [#all]))))"""
PARAMS = RunParams("a", "a", 1_700_000_000_000, 60_000, "pid", max_steps=10**7)


def drive(script: str, items: list[Any], incremental: bool) -> tuple[Data, list[RunResult]]:
    """Run `script` on one peer, answering each call request, until it asks for nothing."""
    data, resume, out = Data(), None, []
    results: dict[str, CallResult] = {}
    for _ in range(3 * len(items) + 10):
        r = run(script, data, Data(), PARAMS, results, incremental=incremental, resume=resume)
        assert r.ok, r.error_message
        if r.resume is not None and r.resume is not REPLAY:  # what it holds, before the next run uses it
            paid_for = len(r.data.entries) + len(r.data.sent)
            assert r.resume.items <= RESUME_BASE_ITEMS + RESUME_ITEMS_PER_ENTRY * paid_for
        out.append(r)
        data, resume = r.data, r.resume
        if not r.call_requests:
            break
        results = {c.key: CallResult.success(items if c.function == "xs" else c.args)
                   for c in r.call_requests}
    return data, out


def test_a_sequential_fold_costs_the_same_few_steps_a_run_however_long_it_got() -> None:
    items = list(range(300))
    full_data, full = drive(FOLD, items, incremental=False)
    data, incremental = drive(FOLD, items, incremental=True)
    assert D.encode(data) == D.encode(full_data)
    assert len(incremental) == len(full) == len(items) + 2
    late = [r.steps for r in incremental[len(items) // 2 :]]
    assert max(late) <= 16  # each run: the new result, the next call, a few frames
    assert full[-1].steps > 3 * len(items)  # the full replay walks every iteration again
    assert all(r.resume is not None for r in incremental[40:-1])


def test_a_short_prefix_keeps_no_resume_point() -> None:
    r = run('(call %init_peer_id% ("s" "f") [])', Data(), Data(), PARAMS, incremental=True)
    assert r.ok and r.call_requests and r.resume is None


def test_a_resume_point_is_used_only_with_the_data_it_came_with() -> None:
    items = list(range(60))
    _, runs = drive(FOLD, items, incremental=True)
    point = runs[50].resume
    assert point is not None
    other = runs[40].data  # older data: the point does not belong to it
    key = runs[40].call_requests[0].key
    given = {key: CallResult.success([])}
    with_point = run(FOLD, other, Data(), PARAMS, given, incremental=True, resume=point)
    without = run(FOLD, other, Data(), PARAMS, given, incremental=False)
    assert D.encode(with_point.data) == D.encode(without.data)
    assert with_point.steps == without.steps


FAN_OUT_CANON = """(seq (call %init_peer_id% ("s" "xs") [] xs)
  (seq (fold xs y (seq (null) (next y)))
       (fold xs x (par (seq (call x ("s" "f") [] $out) (canon %init_peer_id% $out #c)) (next x)))))"""
"""A fan-out whose iterations read a stream (no summaries), answered last peer first: each run
goes on from the first call, which stays unanswered, and walks every iteration again."""


def test_a_particle_whose_resumes_do_not_pay_replays_from_then_on() -> None:
    peers = [f"p{i}" for i in range(80)]
    r = run(FAN_OUT_CANON, Data(), Data(), PARAMS, incremental=True)
    given = {r.call_requests[0].key: CallResult.success(peers)}
    r = run(FAN_OUT_CANON, r.data, Data(), PARAMS, given, incremental=True)
    data, resume, sent = r.data, r.resume, r.forwarded
    seen = []
    for i, peer in reversed(list(enumerate(peers))):  # each answer arrives in a copy of its own
        [key] = sent[peer]
        incoming = D.decode(D.encode(Data({key: D.Entry(D.Kind.CALL, i, peer, "$out", 0)})))
        r = run(FAN_OUT_CANON, data, incoming, PARAMS, incremental=True, resume=resume)
        assert r.ok, r.error_message
        data, resume = r.data, r.resume
        seen.append(resume)
    assert REPLAY in seen
    assert all(s is REPLAY for s in seen[seen.index(REPLAY) :])  # it sticks


def test_a_resume_point_holds_no_more_than_its_data_pays_for() -> None:
    items = list(range(200))
    _, runs = drive(FOLD, items, incremental=True)  # checks each point as its run returns it
    assert sum(r.resume is not None for r in runs) > len(items) // 2


JOIN = """(seq (seq (call %init_peer_id% ("getDataSrv" "peers") [] peers)
                  (fold peers p (par (call p ("peer" "identify") [] $ids) (next p))))
  (seq (new $seen (fold $ids x (seq (seq (ap x $seen) (canon %init_peer_id% $seen #seen))
                                    (xor (match #seen.length PEERS (null)) (next x))) (never)))
       (seq (canon %init_peer_id% $ids #all)
            (call %init_peer_id% ("callbackSrv" "response") [#all.length]))))"""
"""benchmarks/air_bench.py's fan-out with a join (Aqua's `for ... par` and `join`)."""


def collecting_steps(peers: int, incremental: bool) -> float:
    """The collecting peer's interpreter steps per run, in the simulator."""
    from edge_agent.sim import Network

    names = ["client"] + [f"p{i:03}" for i in range(peers)]
    net = Network(names, incremental=incremental)
    result = net.run(JOIN.replace("PEERS", str(peers)), init_peer="client", data={"peers": names[1:]},
                     timestamp_ms=1_700_000_000_000, max_steps=100 * peers + 100)
    assert result.responses == [[peers]], result.responses
    client = net.last_cores["client"]
    return client.run_steps / client.runs


def test_a_fan_outs_collecting_peer_does_per_answer_about_what_the_answer_brings() -> None:
    small, large = collecting_steps(30, True), collecting_steps(120, True)
    replayed = collecting_steps(120, False)
    assert large < 2.5 * small  # the full replay's grow with the peers: x4 here
    assert large * 5 < replayed


ASKS_AFTER_A_REMOTE_CALL = """(seq
  (seq (call %init_peer_id% ("s" "xs") [] xs) (fold xs i (seq (null) (next i))))
  (seq (par (call "c" ("s" "f") [] x) (call "b" ("s" "g") [] y))
       (seq (call "b" ("s" "h") [x]) (call "b" ("s" "k") [y]))))"""


def test_a_point_past_a_remote_call_holds_only_while_that_call_stays_unanswered() -> None:
    """On a peer that did not start the particle, the point is where it first asks for a call
    of its own (past c's, which it leaves to c); a copy that brings c's answer voids it."""
    a = RunParams("a", "a", 1_700_000_000_000, 60_000, "pid", max_steps=10**7)
    first = run(ASKS_AFTER_A_REMOTE_CALL, Data(), Data(), a)
    given = {first.call_requests[0].key: CallResult.success(list(range(20)))}
    started = run(ASKS_AFTER_A_REMOTE_CALL, first.data, Data(), a, given).data
    b = RunParams("a", "b", 1_700_000_000_000, 60_000, "pid", max_steps=10**7)
    seen = {}
    for incremental in (False, True):
        r = run(ASKS_AFTER_A_REMOTE_CALL, Data(), started, b, incremental=incremental)
        [asked] = r.call_requests
        assert not incremental or (r.resume is not None and r.resume.capture is not None)
        [for_c] = [key for key, peer in started.sent.items() if peer == "c"]
        answer = Data({for_c: D.Entry(D.Kind.CALL, 7, "c")})
        after = run(ASKS_AFTER_A_REMOTE_CALL, r.data, D.decode(D.encode(answer)), b,
                    {asked.key: CallResult.success(8)}, incremental=incremental, resume=r.resume)
        assert after.ok, after.error_message
        seen[incremental] = (D.encode(after.data), [(c.function, c.args) for c in after.call_requests])
    assert seen[True] == seen[False]
    assert ("h", [7]) in seen[True][1]  # c's answer was seen: the run did not go on from the point
