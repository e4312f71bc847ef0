"""Wasm services on simulated peers: `Network.deploy` with real wasm3 in a worker process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.sim import Network

BUILD = Path(__file__).resolve().parents[1] / "firmware_services" / "build"


@pytest.fixture
def net() -> Iterator[Network]:
    with Network(["alice", "bob", "carol"]) as network:
        yield network


def module(name: str) -> bytes:
    return (BUILD / f"{name}.wasm").read_bytes()


def test_a_script_calls_a_deployed_service(net: Network) -> None:
    info = net.deploy("bob", "greeting", module("greeting"))
    assert "greet" in info.functions
    script = """
    (seq (call "bob" ("greeting" "greet") ["Ada"] g)
         (call %init_peer_id% ("callbackSrv" "response") [g]))
    """
    assert net.run(script, init_peer="alice").responses == [["Hello, Ada!"]]


def test_state_is_kept_per_peer_between_calls(net: Network) -> None:
    net.deploy("bob", "stats", module("stats"))
    net.deploy("carol", "stats", module("stats"))
    add = '(call "{peer}" ("stats" "add") [{n}])'
    net.run(add.format(peer="bob", n=4), init_peer="alice")
    net.run(add.format(peer="bob", n=6), init_peer="alice")
    net.run(add.format(peer="carol", n=100), init_peer="alice")
    script = """
    (seq (call "bob" ("stats" "summary") [] b)
    (seq (call "carol" ("stats" "summary") [] c)
         (call %init_peer_id% ("callbackSrv" "response") [b.$.count b.$.mean c.$.count])))
    """
    assert net.run(script, init_peer="alice").responses == [[2, 5.0, 1]]


def test_a_refused_module_names_the_problem_and_leaves_other_services(net: Network) -> None:
    net.deploy("bob", "greeting", module("greeting"))
    with pytest.raises(ModuleRejected, match="bad magic|not a WebAssembly module"):
        net.deploy("bob", "broken", b"MZ\x90\x00 this is not wasm")
    with pytest.raises(ModuleRejected) as info:
        net.deploy("bob", "greeting", module("greeting")[:100])
    assert "truncated" in str(info.value) or "end" in str(info.value)
    script = '(call "bob" ("greeting" "greet") ["still here"] g)'
    result = net.run(f'(seq {script} (call %init_peer_id% ("callbackSrv" "response") [g]))', init_peer="alice")
    assert result.responses == [["Hello, still here!"]]


def test_redeploying_a_name_replaces_the_service(net: Network) -> None:
    net.deploy("bob", "svc", module("greeting"))
    net.deploy("bob", "svc", module("hash"))
    script = """
    (xor (seq (call "bob" ("svc" "sha256") ["abc"] h)
              (call %init_peer_id% ("callbackSrv" "response") [h]))
         (call %init_peer_id% ("callbackSrv" "response") [:error:.$.message]))
    """
    [[digest]] = net.run(script, init_peer="alice").responses
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_a_failing_wasm_call_is_error_10000(net: Network) -> None:
    net.deploy("bob", "sensor", module("sensor"))
    script = """
    (xor (call "bob" ("sensor" "read") ["no-such-sensor"] t)
         (call %init_peer_id% ("callbackSrv" "response") [:error:.$.error_code :error:.$.peer_id]))
    """
    assert net.run(script, init_peer="alice").responses == [[10000, "bob"]]
