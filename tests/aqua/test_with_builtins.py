"""Programs that call the agent's builtins behave as Fluence's compilation of them does.

Our AIR and Fluence's recorded AIR for the same program run on the simulator with the
builtins every agent serves; they must give the same responses, errors and calls, and ours
no more hops. The programs: tests/aqua/with_builtins/ (run-time arithmetic and ordering,
which compile to `math` and `cmp` calls) and tests/services/aqua/ (every builtin, through
`import "@fluencelabs/aqua-lib/..."`, which resolves to our bundled declarations).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from edge_agent.aqua import compile_file
from edge_agent.sim import Network

HERE = Path(__file__).parent / "with_builtins"
SERVICES = Path(__file__).parent.parent / "services" / "aqua"
PEERS = ["client", "relay", "nodeA", "nodeB", "nodeC"]
CASES: dict[str, tuple[Path, Path, str, dict[str, Any]]] = {
    "math-cmp": (HERE / "math-cmp" / "main.aqua", HERE / "math-cmp" / "script.air", "run",
                 {"peers": ["nodeA", "nodeB", "nodeC"], "n": 4, "m": 7}),
    "arith-args": (HERE / "arith-args" / "main.aqua", HERE / "arith-args" / "script.air", "run",
                   {"peers": ["nodeA", "nodeB", "nodeC"], "small": 2, "delta": -3, "big": 70000,
                    "ratio": 0.5}),
    **{
        name: (SERVICES / f"{name}.aqua", SERVICES / f"{name}.air", "main", {"peer": "nodeA", **data})
        for name, data in {
            "array": {"xs": ["a", "b", "a"], "ys": ["b", "c"], "ns": [1, 2, 3]},
            "cmp": {"x": 3, "y": 5},
            "debug": {"words": ["x", "y"]},
            "math": {"x": 17, "y": 5},
            "op": {"words": ["hello", "world"]},
            "peer": {},
        }.items()
    },
}


def run(script: str, data: dict[str, Any]) -> tuple[tuple[Any, ...], int]:
    """(responses, errors, calls, failures) of a run, and its hops."""
    net = Network(peers=PEERS, reachable={"client": ["relay"]})
    result = net.run(script, init_peer="client", data=data, relay="relay", timestamp_ms=1_700_000_000_000)
    calls = sorted(json.dumps(list(c), sort_keys=True) for c in result.calls)  # maps compare by content
    return (result.responses, result.errors, calls, result.failures), result.hops


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_as_fluence_with_the_agents_builtins(name: str) -> None:
    source, recorded, func, data = CASES[name]
    ours = compile_file(source, func)
    want, fluence_hops = run(recorded.read_text(encoding="utf-8"), data)
    assert want[0], "Fluence's AIR gave no response: the case checks nothing"
    got, our_hops = run(ours, data)
    assert got == want
    assert our_hops <= fluence_hops
