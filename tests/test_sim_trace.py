"""`Network.run(..., trace=True)`: the particle's timeline in simulated time (issue 11), as
the init peer assembles it from every peer's sealed report -- the same core as on agents."""

from __future__ import annotations

from edge_agent.cli_trace import render
from edge_agent.sim import Network
from edge_agent.trace import Record, Step, Timeline

T0 = 1_700_000_000_000

GREET_AND_HASH = (
    '(seq (call "kitchen" ("greeting" "greet") ["Ada"] g)'
    ' (seq (call "garage" ("hash" "sha256") [g] d) (call %init_peer_id% ("callbackSrv" "response") [g d])))'
)


def lan() -> Network:
    net = Network(["laptop", "kitchen", "garage"])
    net.add_service("kitchen", "greeting", lambda function, args: f"Hello, {args[0]}!")
    net.add_service("garage", "hash", lambda function, args: "fc80a6")
    return net


def path(timeline: Timeline) -> list[tuple[str, str, int]]:
    """(peer, came from, ms after the start) of each visit, in tree order."""
    return [(v.peer, v.arrived.peer, v.arrived.at_ms - T0) for v in timeline.visits()]


def test_a_traced_run_shows_both_devices_both_calls_and_the_way_back() -> None:
    result = lan().run(GREET_AND_HASH, "laptop", timestamp_ms=T0, trace=True)
    assert result.responses == [["Hello, Ada!", "fc80a6"]]
    timeline = result.trace
    assert timeline is not None and timeline.init_peer == "laptop" and timeline.started_ms == T0
    assert path(timeline) == [("laptop", "", 0), ("kitchen", "laptop", 0), ("garage", "kitchen", 0),
                              ("laptop", "garage", 0)]
    assert render(timeline, {"laptop": "this computer"}.get).splitlines()[1:] == [
        "       0 ms  this computer (laptop): started",
        "       0 ms    sent to kitchen",
        "       0 ms      kitchen: arrived from this computer",
        "       0 ms        call greeting.greet: ret_code 0, 0 ms",
        "       0 ms        sent to garage",
        "       0 ms          garage: arrived from kitchen",
        "       0 ms            call hash.sha256: ret_code 0, 0 ms",
        "       0 ms            sent to this computer",
        "       0 ms              this computer (laptop): arrived from garage",
        "       0 ms                call callbackSrv.response: ret_code 0, 0 ms",
    ]
    doc = timeline.to_json()
    [start] = doc["visits"]
    kitchen = start["steps"][0]["visit"]
    assert kitchen["peer"] == "kitchen" and kitchen["from"] == "laptop"
    assert kitchen["steps"][0] == {
        "step": "call", "t_ms": 0, "service": "greeting", "function": "greet", "ms": 0, "ret_code": 0,
    }


def test_an_untraced_run_has_no_trace_and_tracing_changes_no_result() -> None:
    net = lan()
    plain = net.run(GREET_AND_HASH, "laptop", timestamp_ms=T0)
    traced = net.run(GREET_AND_HASH, "laptop", timestamp_ms=T0, trace=True)
    assert plain.trace is None
    assert traced.responses == plain.responses and traced.calls == plain.calls
    assert traced.hops == plain.hops + 2  # and a report from each device


def test_time_in_the_trace_is_simulated_time() -> None:
    """A peer.timeout takes its 1.5 s in the trace; a copy to a peer outside the network fails
    at its give-up time, which the sender records."""
    script = (
        '(seq (call "kitchen" ("peer" "timeout") [1500 "late"] x)'
        ' (xor (call "nowhere" ("op" "noop") [])'
        '      (call %init_peer_id% ("callbackSrv" "response") [x])))'
    )
    result = lan().run(script, "laptop", timestamp_ms=T0, ttl_ms=20_000, trace=True)
    assert result.responses == [["late"]]
    assert result.trace is not None
    kitchen = next(v for v in result.trace.visits() if v.peer == "kitchen")
    timeout, sent, unreachable, back = kitchen.records
    assert timeout == Record(Step.CALL, T0, "", "peer", "timeout", 1500, 0)
    assert sent == Record(Step.SENT, T0 + 1500, "nowhere")
    assert unreachable.step is Step.UNREACHABLE and unreachable.peer == "nowhere"
    assert unreachable.at_ms > T0 + 1500 and "no address known for nowhere" in unreachable.text
    assert back.step is Step.SENT and back.peer == "laptop" and back.at_ms == unreachable.at_ms
    text = render(result.trace, lambda peer: None)
    assert "    1500 ms        sent to nowhere\n" in text and "could not reach nowhere: " in text


def test_where_the_script_failed_is_in_the_trace() -> None:
    script = '(seq (call "kitchen" ("greeting" "greet") ["Ada"] g) (call "garage" ("nosuch" "read") [g] r))'
    result = lan().run(script, "laptop", timestamp_ms=T0, trace=True)
    assert result.failure is not None and result.failure.peer == "garage"
    assert result.trace is not None
    garage = next(v for v in result.trace.visits() if v.peer == "garage")
    call, failed = garage.records
    assert call.step is Step.CALL and call.code != 0
    assert failed.step is Step.FAILED and failed.code == result.failure.ret_code
    assert failed.function == 'call "garage" ("nosuch" "read") [g] r'
    text = render(result.trace, lambda peer: None)
    assert "FAILED with 10000: " in text and 'in (call "garage" ("nosuch" "read") [g] r)' in text
