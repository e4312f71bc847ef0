"""AIR values (edge_agent/air/values.py): serde_json's strict equality, what a comparison
costs in interpreter steps, and bounded quotes of values in error messages."""

from __future__ import annotations

from typing import Any

import pytest

from edge_agent.air import Data, RunParams, run
from edge_agent.air import values as V
from edge_agent.air.calls import CallResult
from edge_agent.air.errors import STEP_LIMIT

SAME_TO_PYTHON_NOT_TO_SERDE = [
    (1, 1.0), (True, 1), ([1, 2], [1, 2.0]), ([[True]], [[1]]), ({"a": [0]}, {"a": [False]}),
    ({"a": 1, "b": [1]}, {"a": 1, "b": [1.0]}),
]
EQUAL = [(None, None), (-0.0, 0.0), ([1, "x", None], [1, "x", None]), ({"b": [1], "a": {}}, {"a": {}, "b": [1]}),
         ([[1, [2.5]], {"k": ["v"]}], [[1, [2.5]], {"k": ["v"]}])]
UNEQUAL = [([1], [1, 2]), ({"a": 1}, {"b": 1}), ([1, [2]], [1, [3]]), ("a", "b"), ([], {})]


@pytest.mark.parametrize(("a", "b"), SAME_TO_PYTHON_NOT_TO_SERDE + UNEQUAL)
def test_values_serde_tells_apart_are_unequal(a: Any, b: Any) -> None:
    assert not V.equal(a, b) and not V.equal_work(a, b)[0]


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_values_are_equal(a: Any, b: Any) -> None:
    assert V.equal(a, b) and V.equal_work(a, b)[0]


def test_a_comparison_counts_the_values_it_looks_at() -> None:
    big = list(range(10_000))
    assert V.equal_work(big, list(big)) == (True, 10_001)
    assert V.equal_work([big], [list(big)]) == (True, 10_003)
    assert V.equal_work(big, big)[1] == 1  # the same object: nothing to walk


def _run_match(n: int, max_steps: int) -> Any:
    """A fold over one array of n values that compares two equal arrays (two inputs, so two
    objects) at each step."""
    script = (
        '(seq (seq (call %init_peer_id% ("getDataSrv" "a") [] a) (call %init_peer_id% ("getDataSrv" "b") [] b))'
        " (fold a x (seq (match a b (null)) (next x))))"
    )
    params = RunParams("alice", "alice", 1, 60_000, "p", max_steps=max_steps)
    out = run(script, Data(), Data(), params)
    for _ in range(2):  # a, then b: each input a list of its own
        results = {r.key: CallResult.success(list(range(n))) for r in out.call_requests}
        out = run(script, out.data, Data(), params, results)
    return out


def test_a_match_of_large_values_costs_steps_by_their_size() -> None:
    """A `match` of two 4,096-value arrays costs 128 steps more than one of two numbers: a
    stranger's run (10,000 steps) cannot compare megabytes in a fold any more (one 47 KB
    copy took 7.8 s of CPU before)."""
    small, large = _run_match(32, 10_000_000), _run_match(4096, 10_000_000)
    assert small.ok and large.ok
    per_match_small, per_match_large = small.steps / 32, large.steps / 4096
    assert per_match_large - per_match_small >= (4096 - 32) // V.EQUAL_VALUES_PER_STEP - 1
    assert _run_match(4096, 10_000).ret_code == STEP_LIMIT  # after some 75 of the 4,096 matches


def test_error_messages_quote_small_values_whole_and_large_ones_bounded() -> None:
    small = {"b": [1, 2.5, None], "a": "é"}
    assert V.quote(small) == V.to_json(small)  # as AquaVM prints it
    for large in (list(range(100_000)), "x" * 1_000_000, {f"k{i}": i for i in range(5_000)}, [["y" * 100_000] * 30]):
        text = V.quote(large)
        assert len(text) <= V.QUOTE_MAX_CHARS + 3 and text.endswith("...")
        assert text.startswith(V.to_json(large)[:50])
