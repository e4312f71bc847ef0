"""The simulator's public API, as docs/air.md describes it."""

from __future__ import annotations

from typing import Any

import pytest

from edge_agent.sim import Network, ServiceError, SimParticle

RESPOND = '(call %init_peer_id% ("callbackSrv" "response") [{}])'


def test_python_services_and_results() -> None:
    net = Network(peers=["alice", "bob", "carol"])
    net.add_service("bob", "echo", lambda function, args: args)
    script = """
    (seq (call "bob" ("echo" "say") ["hi" 2] r)
         (call %init_peer_id% ("callbackSrv" "response") [r]))
    """
    result = net.run(script, init_peer="alice", data={"x": 1})
    assert result.responses == [[["hi", 2]]]
    assert result.errors == []
    assert [tuple(c) for c in result.calls] == [
        ("bob", "echo", "say", ["hi", 2]),
        ("alice", "callbackSrv", "response", [["hi", 2]]),
    ]
    assert result.hops == 2
    peer, service, function, args = result.calls[0]
    assert (peer, service, function, args) == ("bob", "echo", "say", ["hi", 2])


def test_service_errors_read_as_on_fluence() -> None:
    def refuse(function: str, args: list[Any]) -> Any:
        raise ServiceError("no such key", ret_code=3)

    def crash(function: str, args: list[Any]) -> Any:
        raise KeyError("k")

    net = Network(["a"])
    net.add_service("a", "refuse", refuse)
    net.add_service("a", "crash", crash)
    script = f"""
    (seq (xor (call %init_peer_id% ("refuse" "get") []) {RESPOND.format(":error:.$.message")})
         (xor (call %init_peer_id% ("crash" "get") []) {RESPOND.format(":error:.$.message")}))
    """
    result = net.run(script, init_peer="a")
    assert result.responses == [
        ["Local service error, ret_code is 3, error message is '\"no such key\"'"],
        ["Local service error, ret_code is 1, error message is '\"internal error in crash.get: 'k'\"'"],
    ]


def test_an_unknown_service_is_a_call_error_not_an_exception() -> None:
    script = f'(xor (call %init_peer_id% ("nope" "f") []) {RESPOND.format(":error:.$.error_code :error:.$.message")})'
    result = Network(["a"]).run(script, init_peer="a")
    assert result.responses == [
        [10000, "Local service error, ret_code is 1, error message is "
                "'\"No service found for service call: serviceId='nope', fnName='f'\"'"]
    ]


def test_builtins_and_overriding_them() -> None:
    """The builtins answer in the simulator too (tests/services/test_builtins_*.py has them all)."""
    script = """
    (seq (call %init_peer_id% ("op" "array") ["x"] xs)
    (seq (call %init_peer_id% ("op" "concat") [[] xs] c)
    (seq (call %init_peer_id% ("op" "concat_strings") ["a" "1" "b"] s)
    (seq (call %init_peer_id% ("op" "array_length") [c] n)
    (seq (call %init_peer_id% ("peer" "identify") [] me)
    (seq (call %init_peer_id% ("peer" "timestamp_ms") [] ms)
    (seq (call %init_peer_id% ("peer" "timestamp_sec") [] sec)
         (call %init_peer_id% ("callbackSrv" "response") [c s n me.$.peer_id ms sec %timestamp% %ttl%]))))))))
    """
    net = Network(["a"])
    result = net.run(script, init_peer="a", timestamp_ms=1_700_000_123_456, ttl_ms=5000)
    now = 1_700_000_123_456
    assert result.responses == [[["x"], "a1b", 1, "a", now, now // 1000, now, 5000]]
    net.add_service("a", "peer", lambda function, args: {"peer_id": "stubbed"})
    result = net.run(script, init_peer="a", timestamp_ms=0)
    assert result.responses[0][3] == "stubbed"


def test_client_services_and_relay() -> None:
    script = f"""
    (seq (call %init_peer_id% ("getDataSrv" "-relay-") [] relay)
    (seq (call %init_peer_id% ("getDataSrv" "x") [] x)
         {RESPOND.format("relay x")}))
    """
    net = Network(["a", "r"])
    assert net.run(script, init_peer="a", data={"x": {"k": 1}}).responses == [["a", {"k": 1}]]
    assert net.run(script, init_peer="a", data={"x": 2}, relay="r").responses == [["r", 2]]
    missing = net.run(f'(xor (call %init_peer_id% ("getDataSrv" "y") []) {RESPOND.format(":error:.$.message")})', init_peer="a")
    assert "getDataSrv: no data for 'y'" in missing.responses[0][0]


def test_run_is_bounded_and_never_hangs() -> None:
    # Two peers bounce a particle forever through a recursive fold over a growing stream.
    script = """
    (seq (ap 0 $s)
         (fold $s x
           (seq (call "b" ("op" "identity") [x] $s)
                (seq (call "a" ("op" "identity") [x] $s) (next x)))))
    """
    result = Network(["a", "b"]).run(script, init_peer="a", max_steps=200)
    assert result.quiescent is False
    assert result.steps == 200


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one peer"):
        Network([])
    net = Network(["a"])
    with pytest.raises(ValueError, match="unknown peer 'z'"):
        net.run("(null)", init_peer="z")
    with pytest.raises(TypeError):
        net.add_service("a", "s", "not callable")  # type: ignore[arg-type]


def test_an_injected_particle_is_served_as_itself() -> None:
    # A copy of another particle (started by b) asks a, the run's init peer, for getDataSrv:
    # a did not start it, so it has no client services for it, as on a node.
    net = Network(["a", "b"])
    script = '(call "a" ("getDataSrv" "x") [] x)'
    other = net.sign(SimParticle("other", "b", 1_700_000_000_000, 60_000, script, b""))
    result = net.run(RESPOND.format("1"), init_peer="a", data={"x": 1}, timestamp_ms=1_700_000_000_000,
                     inject=[("a", other)])
    assert result.responses == [[1]]
    [failure] = result.failures
    assert failure.peer == "a" and "No service found" in failure.message and "getDataSrv" in failure.message


def test_a_failure_comes_back_as_the_results_failure_once_per_peer() -> None:
    """Issue 11: carol fails twice (bob's copy comes after her own run failed) but reports
    once; `result.failure` is what the init peer learned."""
    net = Network(["alice", "bob", "carol"])

    def broken(function: str, args: list[Any]) -> Any:
        raise ServiceError("no such sensor", ret_code=3)

    net.add_service("carol", "sensor", broken)
    script = """
    (seq (par (seq (call "bob" ("op" "noop") [])
                   (seq (call "bob" ("op" "noop") []) (call "bob" ("op" "noop") [])))
              (call "carol" ("op" "noop") []))
         (seq (call "carol" ("sensor" "read") [] r) (call %init_peer_id% ("callbackSrv" "response") [r])))
    """
    result = net.run(script, init_peer="alice")
    assert result.responses == [] and result.errors == []
    assert [(f.peer, f.ret_code) for f in result.failures] == [("carol", 10000)] * 2
    assert result.failure is not None and result.failure == result.failures[0]
    assert "no such sensor" in result.failure.message
    assert result.failure.instruction == 'call "carol" ("sensor" "read") [] r'
    assert result.hops == 4  # alice->bob, alice->carol, bob->carol, and carol->alice: the one report


def test_the_init_peers_own_failure_is_the_results_failure() -> None:
    result = Network(["alice"]).run('(call %init_peer_id% ("getDataSrv" "nope") [] x)', init_peer="alice")
    assert result.failure is not None and result.failure.peer == "alice" and result.hops == 0
    ok = Network(["alice"]).run(RESPOND.format("1"), init_peer="alice")
    assert ok.failure is None
