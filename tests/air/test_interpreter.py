"""The interpreter as a pure step function: (script, data, incoming, params, results) -> outcome."""

from __future__ import annotations

import traceback
import uuid
from typing import Any

import pytest

from edge_agent import const
from edge_agent.air import Data, RunParams, interpreter, run
from edge_agent.air.data import Entry, Kind
from edge_agent.air.errors import ParseError
from edge_agent.services.base import CallResult

ALICE = RunParams("alice", "alice", 1_700_000_000_000, 60_000, "p1")
BOB = RunParams("alice", "bob", 1_700_000_000_000, 60_000, "p1")


def drive(script: str, params: RunParams = ALICE, services: dict[str, Any] | None = None, rounds: int = 20):
    """Run on one peer, answering its call requests from `services`, until it asks for nothing."""
    data = Data()
    results: dict[str, CallResult] = {}
    calls = []
    for _ in range(rounds):
        out = run(script, data, Data(), params, results)
        data = out.data
        if not out.ok or not out.call_requests:
            return out, calls
        results = {}
        for req in out.call_requests:
            calls.append((req.service, req.function, req.args))
            fn = (services or {}).get(f"{req.service}.{req.function}", lambda args: args)
            try:
                results[req.key] = CallResult.success(fn(req.args))
            except Exception as exc:  # noqa: BLE001 - a test service failing on purpose
                results[req.key] = CallResult.failure(str(exc), 7)
    raise AssertionError("did not settle")


def test_a_local_call_is_requested_then_replayed() -> None:
    script = '(call %init_peer_id% ("op" "identity") ["hi"] x)'
    first = run(script, Data(), Data(), ALICE)
    assert first.ok and first.next_peers == []
    [req] = first.call_requests
    assert (req.service, req.function, req.args) == ("op", "identity", ["hi"])
    second = run(script, first.data, Data(), ALICE, {req.key: CallResult.success("hi")})
    assert second.ok and second.call_requests == []
    assert second.data.entries[req.key] == Entry(Kind.CALL, "hi", "alice")
    # A third run replays the recorded result and asks for nothing.
    third = run(script, second.data, Data(), ALICE)
    assert third.ok and third.call_requests == [] and third.data.entries == second.data.entries


def test_a_remote_call_names_its_peer_once() -> None:
    script = '(seq (call "bob" ("op" "noop") []) (call "bob" ("op" "noop") []))'
    out = run(script, Data(), Data(), ALICE)
    assert out.next_peers == ["bob"] and out.call_requests == []
    again = run(script, out.data, Data(), ALICE)
    assert again.next_peers == []  # already sent: nobody forwards it twice
    on_bob = run(script, Data(), out.data, BOB)
    assert [r.function for r in on_bob.call_requests] == ["noop"]


def test_the_join_waits_without_error() -> None:
    script = '(seq (call "bob" ("op" "identity") [1] x) (call %init_peer_id% ("op" "identity") [x] y))'
    out = run(script, Data(), Data(), ALICE)
    assert out.ok and out.call_requests == [] and out.next_peers == ["bob"]


def test_seq_stops_at_an_incomplete_left_side() -> None:
    out, calls = drive('(seq (never) (call %init_peer_id% ("op" "noop") []))')
    assert out.ok and calls == []


def test_par_runs_both_sides() -> None:
    out, calls = drive('(par (call %init_peer_id% ("a" "f") []) (call %init_peer_id% ("b" "f") []))')
    assert [c[0] for c in calls] == ["a", "b"]


def test_xor_runs_its_right_side_only_on_error() -> None:
    def boom(args: Any) -> Any:
        raise RuntimeError("boom")

    script = '(xor (call %init_peer_id% ("bad" "f") []) (call %init_peer_id% ("handler" "f") [:error:.$.error_code %last_error%.$.message]))'
    out, calls = drive(script, services={"bad.f": boom})
    assert calls[-1] == (
        "handler",
        "f",
        [10000, "Local service error, ret_code is 7, error message is '\"boom\"'"],
    )
    out, calls = drive('(xor (null) (call %init_peer_id% ("handler" "f") []))')
    assert calls == []


def test_an_uncaught_error_fails_the_run_with_its_code() -> None:
    out, _ = drive('(fail 42 "custom")')
    assert out.ret_code == 10006
    assert "is used without corresponding xor" in out.error_message
    assert out.next_peers == [] and out.call_requests == []


def test_scalars_are_write_once_outside_folds() -> None:
    out, calls = drive('(seq (ap 1 x) (ap 2 x))')
    assert out.ret_code == 20007
    assert "shadow variable 'x'" in out.error_message


def test_a_conflicting_copy_is_rejected() -> None:
    script = '(call %init_peer_id% ("op" "identity") [] x)'
    mine = Data({"0": Entry(Kind.CALL, 1, "alice")})
    theirs = Data({"0": Entry(Kind.CALL, 2, "alice")})
    out = run(script, mine, theirs, ALICE)
    assert out.ret_code == 3
    assert "different result" in out.error_message
    assert out.data is mine  # our copy is untouched


def test_a_parse_error_is_a_failed_run() -> None:
    out = run("(seq (null)", Data(), Data(), ALICE)
    assert out.ret_code == 1 and "line 1" in out.error_message


def test_a_stream_holds_at_most_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(const, "MAX_STREAM_VALUES", 3)
    script = '(xor (seq (ap 1 $s) (seq (ap 2 $s) (seq (ap 3 $s) (ap 4 $s)))) (call %init_peer_id% ("err" "f") [:error:.$.error_code :error:.$.message]))'
    out, calls = drive(script)
    assert calls == [("err", "f", [10100, "stream $s would hold more than 3 values"])]


def test_runaway_scripts_hit_the_step_limit() -> None:
    script = '(seq (call %init_peer_id% ("op" "identity") [] xs) (fold xs x (seq (null) (next x))))'
    limited = RunParams("alice", "alice", 1_700_000_000_000, 60_000, "p1", max_steps=50)
    out, _ = drive(script, limited, services={"op.identity": lambda args: list(range(100))})
    assert out.ret_code == 20100 and out.steps == 51
    assert run("(null)", Data(), Data(), ALICE).steps == 1


def test_unprocessed_call_results_are_an_error() -> None:
    out = run("(null)", Data(), Data(), ALICE, {"7": CallResult.success(1)})
    assert out.ret_code == 30000


def test_an_invalid_service_value_becomes_a_call_error() -> None:
    script = '(xor (call %init_peer_id% ("s" "f") [] x) (call %init_peer_id% ("err" "f") [:error:.$.message]))'
    first = run(script, Data(), Data(), ALICE)
    key = first.call_requests[0].key
    second = run(script, first.data, Data(), ALICE, {key: CallResult.success(float("nan"))})
    assert second.ok
    assert "invalid value" in second.call_requests[0].args[0]


def test_stream_values_keep_arrival_order_across_merges() -> None:
    # Two peers append to one stream; the init peer sees carol's value first because it came
    # first, although bob's call comes first in the script. (The fold is Aqua's join.)
    script = """
    (seq
      (par (call "bob" ("op" "identity") ["from bob"] $s)
           (call "carol" ("op" "identity") ["from carol"] $s))
      (seq
        (new $t
          (fold $s x
            (seq (seq (ap x $t) (canon %init_peer_id% $t #tt))
                 (xor (match #tt.length 2 (null)) (next x)))
            (never)))
        (seq (canon %init_peer_id% $s #all) (call %init_peer_id% ("out" "f") [#all]))))
    """
    start = run(script, Data(), Data(), ALICE)
    carol = RunParams("alice", "carol", 1, 60_000, "p1")

    def execute_on(params: RunParams, incoming: Data) -> Data:
        out = run(script, Data(), incoming, params)
        key = out.call_requests[0].key
        return run(script, out.data, Data(), params, {key: CallResult.success(out.call_requests[0].args[0])}).data

    from_carol = execute_on(carol, start.data)
    from_bob = execute_on(BOB, start.data)
    alice = run(script, start.data, from_carol, ALICE)
    alice = run(script, alice.data, from_bob, ALICE)
    [req] = alice.call_requests
    assert req.args == [["from carol", "from bob"]]


def test_a_fold_over_a_long_array_does_not_overflow() -> None:
    # `next` recurses, so each value nests frames; 20,000 values must still run.
    from edge_agent.sim import Network

    script = """
    (seq (call %init_peer_id% ("getDataSrv" "xs") [] xs)
         (seq (fold xs x (seq (ap x last) (next x)) (null))
              (call %init_peer_id% ("callbackSrv" "response") ["done"])))
    """
    result = Network(["a"]).run(script, init_peer="a", data={"xs": list(range(20_000))})
    assert result.failures == [] and result.responses == [["done"]]


def test_an_uncaught_error_names_the_instruction_it_came_from() -> None:
    def fail(args: Any) -> Any:
        raise ValueError("no such sensor")

    script = '(seq (call %init_peer_id% ("op" "identity") [1] x) (call %init_peer_id% ("s" "read") [x] y))'
    out, _ = drive(script, services={"s.read": fail})
    assert out.ret_code == 10000 and "no such sensor" in out.error_message
    assert out.instruction == 'call %init_peer_id% ("s" "read") [x] y'


def test_a_caught_error_leaves_no_failed_instruction_and_an_uncatchable_one_names_none() -> None:
    out, _ = drive('(xor (fail 5 "x") (null))')
    assert out.ok and out.instruction == ""
    stuck = run("(ap 1 $s)", Data(), Data(), RunParams("alice", "alice", 1, 1, "p", max_steps=0))
    assert not stuck.ok and stuck.instruction == ""


def test_a_script_that_does_not_parse_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A stranger's bad script comes again in every copy, and each run asks for it again.
    parsed = []
    real = interpreter.parse
    monkeypatch.setattr(interpreter, "parse", lambda text: parsed.append(text) or real(text))
    bad = f"(seq (null) {uuid.uuid4()})"
    frames = set()
    for _ in range(3):
        with pytest.raises(ParseError, match="expected '\\('") as info:
            interpreter.compile_script(bad)
        frames.add(len(traceback.extract_tb(info.value.__traceback__)))
        assert run(bad, Data(), Data(), ALICE).ret_code == ParseError.ret_code
    assert parsed == [bad]
    assert len(frames) == 1  # raised again without the frames of the times before


@pytest.mark.parametrize("incremental", [False, True])
def test_errors_caught_in_a_run_leave_nothing_for_the_collector(incremental: bool) -> None:
    """An error the script catches is passed on as a value (`ExecutionError.detached`): with
    its traceback, the frames it ran through (holding the run's context and data) and the
    frame that raised it from a local held each other, about 150 objects per failed call
    that only Python's collector freed. Failed calls, a failure in a par branch, a failed
    match, failed calls in a fold, and an error that ends the run: no cyclic garbage."""
    import gc

    script = """
    (seq
      (seq
        (call %init_peer_id% ("op" "array") [1 2 3] xs)
        (xor (call %init_peer_id% ("s" "fail") [] a) (null)))
      (seq
        (par (xor (fail 7 "left") (null)) (xor (match 1 2 (null)) (null)))
        (seq
          (fold xs x (seq (xor (call %init_peer_id% ("s" "fail") [x]) (null)) (next x)))
          (fail 9 "the end"))))"""

    def answer(service: str, args: list[Any]) -> CallResult:
        return CallResult.failure("on purpose", 7) if service == "s" else CallResult.success(args)

    def once() -> None:
        data, results = Data(), {}
        for _ in range(10):
            out = run(script, data, Data(), ALICE, results, incremental=incremental)
            data = out.data
            if not out.call_requests:
                break
            results = {req.key: answer(req.service, req.args) for req in out.call_requests}
        assert out.ret_code == 10006 and "the end" in out.error_message, out  # the last fail ends it

    once()  # warm: caches
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        once()
        gc.collect()
        frames = [o for o in gc.garbage if type(o).__name__ == "frame"]
        ours = sorted({f"{f.f_code.co_filename.rsplit('/', 1)[-1]}:{f.f_code.co_name}" for f in frames
                       if "edge_agent" in f.f_code.co_filename})
        count = len(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert ours == [], f"{count} objects in cycles, frames of {ours}"
