"""Errors: service failures, %last_error% and :error:, propagation through xor and par, fail."""

from __future__ import annotations

from typing import Any

from edge_agent.sim import Network, ServiceError

RESPOND = '(call %init_peer_id% ("callbackSrv" "response") [{}])'


def network() -> Network:
    net = Network(["client", "a", "b"])

    def flaky(function: str, args: list[Any]) -> Any:
        raise ServiceError("disk full", ret_code=5)

    net.add_service("a", "flaky", flaky)
    return net


def test_last_error_after_a_failing_remote_service() -> None:
    script = f"""
    (xor (call "a" ("flaky" "write") ["x"])
         {RESPOND.format(":error: %last_error%")})
    """
    result = network().run(script, init_peer="client")
    [[error, last]] = result.responses
    expected = {
        "error_code": 10000,
        "message": "Local service error, ret_code is 5, error message is '\"disk full\"'",
        "instruction": 'call "a" ("flaky" "write") ["x"] ',
        "peer_id": "a",
    }
    assert error == expected and last == expected


def test_an_error_in_one_par_branch_does_not_trigger_the_xor() -> None:
    script = f"""
    (xor
      (par (call "a" ("flaky" "write") []) (call "b" ("op" "identity") ["fine"] x))
      {RESPOND.format('"caught"')})
    """
    result = network().run(script, init_peer="client")
    # On "a" the par does not fail (its other branch is merely waiting), so "a" ends its run
    # normally and, having nothing new to send, sends nothing: the xor never sees the error.
    assert result.responses == [] and result.failures == []
    assert [c.service for c in result.calls] == ["flaky", "op"]


def test_an_error_in_both_par_branches_reaches_the_xor() -> None:
    script = f"""
    (xor
      (par (fail 1 "left") (fail 2 "right"))
      {RESPOND.format("%last_error%.$.message")})
    """
    result = network().run(script, init_peer="client")
    assert result.responses == [["right"]]


def test_match_failure_sets_error_but_not_last_error() -> None:
    script = f'(xor (match 1 2 (null)) {RESPOND.format(":error:.$.error_code %last_error%.$.error_code")})'
    assert network().run(script, init_peer="client").responses == [[10001, 0]]


def test_fail_reraises_the_caught_error_unchanged() -> None:
    script = f"""
    (xor
      (xor (call "a" ("flaky" "write") []) (fail :error:))
      {RESPOND.format(":error:.$.error_code :error:.$.peer_id")})
    """
    assert network().run(script, init_peer="client").responses == [[10000, "a"]]


def test_fail_with_a_literal_sets_last_error_and_raises_10006() -> None:
    script = f'(xor (fail 42 "custom") {RESPOND.format(":error:.$.error_code %last_error%")})'
    [[code, last]] = network().run(script, init_peer="client").responses
    assert code == 10006
    assert last == {"error_code": 42, "message": "custom", "instruction": 'fail 42 "custom"', "peer_id": "client"}


def test_an_uncaught_error_is_reported_to_error_handling_by_aqua_convention() -> None:
    script = """
    (xor (call "a" ("flaky" "write") [])
         (call %init_peer_id% ("errorHandlingSrv" "error") [:error: 0]))
    """
    result = network().run(script, init_peer="client")
    [[error, zero]] = result.errors
    assert error["error_code"] == 10000 and zero == 0
