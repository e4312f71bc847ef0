"""`cmp`: aqua-lib's Compare (math.aqua), comparisons of two i64 as a Fluence peer (nox) makes them."""

from __future__ import annotations

import pytest

from tests.services.builtins_support import call, error, run_compiled

PAIRS = [(2, 4), (4, 2), (2, 2), (-(2**63), 2**63 - 1)]


def test_comparisons() -> None:
    assert [call("cmp", "gt", x, y) for x, y in PAIRS] == [False, True, False, False]
    assert [call("cmp", "gte", x, y) for x, y in PAIRS] == [False, True, True, False]
    assert [call("cmp", "lt", x, y) for x, y in PAIRS] == [True, False, False, True]
    assert [call("cmp", "lte", x, y) for x, y in PAIRS] == [True, False, True, True]
    assert [call("cmp", "cmp", x, y) for x, y in PAIRS] == [-1, 1, 0, -1]


@pytest.mark.parametrize("function", ["gt", "gte", "lt", "lte", "cmp"])
def test_arguments_are_two_i64(function: str) -> None:
    assert error("cmp", function, 1) == "expected 2 arguments, got 1"
    assert error("cmp", function, 1, 2.5) == (
        "Error: Error deserializing field 'y': expected i64, got 2.5\n"
        'DeserializeError { field: "y", value: Number(2.5), expected_type: "i64" }'
    )
    assert error("cmp", function, "1", 2) == (
        "Error: Error deserializing field 'x': expected i64, got \"1\"\n"
        'DeserializeError { field: "x", value: String("1"), expected_type: "i64" }'
    )


COMPILED_DATA = {"x": 3, "y": 5}
"""cmp.aqua's arguments besides `peer`, and the one response it gives (test_builtins_nodes.py)."""
COMPILED_RESPONSE = [False, False, True, True, -1]


def test_compiled_aqua_calls_every_cmp_function_on_another_peer() -> None:
    result = run_compiled("cmp", {"peer": "dev", **COMPILED_DATA})
    assert result.responses == [COMPILED_RESPONSE]
    assert {c.function for c in result.calls if c.service == "cmp" and c.peer == "dev"} == {
        "gt", "gte", "lt", "lte", "cmp",
    }
