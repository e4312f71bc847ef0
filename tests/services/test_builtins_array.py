"""`array`: aqua-lib's Array (math.aqua), plus nox's `slice` and `length`, as nox answers them.

nox's set operations come out in hash-set order; ours in order of first appearance (xs,
then ys), which any order-free comparison of nox's results accepts.
"""

from __future__ import annotations

import pytest

from tests.services.builtins_support import call, error, run_compiled

HASHSET = "std::collections::hash::set::HashSet<String>"


def wrong(field: str, value: str, debug: str, rust: str) -> str:
    return (
        f"Error: Error deserializing field '{field}': expected {rust}, got {value}\n"
        f'DeserializeError {{ field: "{field}", value: {debug}, expected_type: "{rust}" }}'
    )


def test_sum() -> None:
    assert call("array", "sum", []) == 0
    assert call("array", "sum", [1, 2, 3]) == 6
    assert call("array", "sum", [2**63 - 1, -5]) == 2**63 - 6
    # nox adds one by one: an overflow on the way fails, even where the total would fit.
    assert error("array", "sum", [2**63 - 1, 1, -5]) == "i64 add overflow"
    assert error("array", "sum", [1, 2.0]) == wrong(
        "x", "[1,2.0]", "Array [Number(1), Number(2.0)]", "Vec<i64>"
    )
    assert error("array", "sum", 1) == wrong("x", "1", "Number(1)", "Vec<i64>")
    assert error("array", "sum") == "expected 1 arguments, got 0"
    assert error("array", "sum", [1], [2]) == "expected 1 arguments, got 2"


def test_dedup_keeps_first_occurrences() -> None:
    assert call("array", "dedup", ["a", "a", "b", "c", "a", "b", "c"]) == ["a", "b", "c"]
    assert call("array", "dedup", []) == []
    assert error("array", "dedup", ["a", 1]) == wrong(
        "x", '["a",1]', 'Array [String("a"), Number(1)]', "Vec<String>"
    )


def test_set_operations() -> None:
    xs, ys = ["a", "b", "c", "a"], ["c", "b", "d", "d"]
    assert call("array", "intersect", xs, ys) == ["b", "c"]
    assert call("array", "diff", xs, ys) == ["a"]
    assert call("array", "sdiff", xs, ys) == ["a", "d"]
    assert call("array", "intersect", [], ys) == []
    assert call("array", "sdiff", ys, []) == ["c", "b", "d"]


@pytest.mark.parametrize("function", ["intersect", "diff", "sdiff"])
def test_set_operations_take_two_arrays_of_strings(function: str) -> None:
    assert error("array", function, ["a"]) == "expected 2 arguments, got 1"
    assert error("array", function, ["a"], [None]) == wrong("y", "[null]", "Array [Null]", HASHSET)
    assert error("array", function, "a", []) == wrong("x", '"a"', 'String("a")', HASHSET)


def test_slice() -> None:
    data = [1, 2, 3, 4]
    assert call("array", "slice", data, 0, 2) == [1, 2]
    assert call("array", "slice", data, 4, 4) == []
    assert call("array", "slice", [], 7, "anything") == []  # nox: an empty array slices to []
    assert error("array", "slice", data, 2) == (
        "invalid number of parameters. need array, start index and end index"
    )
    assert error("array", "slice", 1, 0, 2) == "first argument must be an array, was 1"
    assert error("array", "slice", data, -1, 2) == (
        "second argument (start index) must be an unsigned integer, was -1"
    )
    assert error("array", "slice", data, 0, 1.0) == (
        "third argument (end index) must be an unsigned integer, was 1.0"
    )
    assert error("array", "slice", data, 2, 0) == (
        "slice indexes out of bounds. start index: 2, end index: 0, array length: 4"
    )
    assert error("array", "slice", data, 0, 5) == (
        "slice indexes out of bounds. start index: 0, end index: 5, array length: 4"
    )


def test_length_is_op_array_length() -> None:
    assert call("array", "length", [1, 2]) == 2
    assert error("array", "length", "x") == "op array_length's argument must be an array"
    assert error("array", "length") == "op array_length accepts exactly 1 argument: 0 found"


COMPILED_DATA = {"xs": ["a", "b", "a", "c"], "ys": ["c", "d"], "ns": [5, -2, 10]}
"""array.aqua's arguments besides `peer`, and the one response it gives (test_builtins_nodes.py)."""
COMPILED_RESPONSE = [13, ["a", "b", "c"], ["c"], ["a", "b"], ["a", "b", "d"]]


def test_compiled_aqua_calls_every_array_function_on_another_peer() -> None:
    result = run_compiled("array", {"peer": "dev", **COMPILED_DATA})
    assert result.responses == [COMPILED_RESPONSE]
    assert {c.function for c in result.calls if c.service == "array" and c.peer == "dev"} == {
        "sum", "dedup", "intersect", "diff", "sdiff",
    }
