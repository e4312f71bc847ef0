"""Arithmetic and ordering compile to the agent's `math` and `cmp` builtins as Fluence's do.

Our AIR and Fluence's recorded AIR for the same program (tests/aqua/with_builtins/) run on
the simulator with the builtins every agent serves; they must give the same responses,
errors and calls.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edge_agent.aqua import compile_file
from edge_agent.sim import Network

HERE = Path(__file__).parent / "with_builtins"
PEERS = ["client", "relay", "nodeA", "nodeB", "nodeC"]
DATA: dict[str, dict[str, Any]] = {
    "math-cmp": {"peers": ["nodeA", "nodeB", "nodeC"], "n": 4, "m": 7},
}


def run(script: str, data: dict[str, Any]) -> tuple[tuple[Any, ...], int]:
    """(responses, errors, calls, failures) of a run, and its hops."""
    net = Network(peers=PEERS, reachable={"client": ["relay"]})
    result = net.run(script, init_peer="client", data=data, relay="relay", timestamp_ms=1_700_000_000_000)
    return (result.responses, result.errors, sorted(map(repr, result.calls)), result.failures), result.hops


@pytest.mark.parametrize("name", sorted(DATA))
def test_same_as_fluence_with_the_agents_builtins(name: str) -> None:
    ours = compile_file(HERE / name / "main.aqua", "run")
    fluence = (HERE / name / "script.air").read_text(encoding="utf-8")
    want, fluence_hops = run(fluence, DATA[name])
    assert want[0], "Fluence's AIR gave no response: the case checks nothing"
    got, our_hops = run(ours, DATA[name])
    assert got == want
    assert our_hops <= fluence_hops
