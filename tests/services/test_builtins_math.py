"""`math`: aqua-lib's Math (math.aqua), 64-bit integer arithmetic as a Fluence peer (nox) does it.

Overflow and division by zero are nox's errors ("i64 <op> overflow"), never a Python
exception or a number outside i64; division and remainder truncate as Rust's do.
"""

from __future__ import annotations

import pytest

from tests.services.builtins_support import call, error, local_error, run_compiled

MAX = 2**63 - 1
MIN = -(2**63)


def wrong(field: str, value: str, debug: str, rust: str = "i64") -> str:
    return (
        f"Error: Error deserializing field '{field}': expected {rust}, got {value}\n"
        f'DeserializeError {{ field: "{field}", value: {debug}, expected_type: "{rust}" }}'
    )


def test_add_sub_mul() -> None:
    assert call("math", "add", 2, 2) == 4
    assert call("math", "add", MAX, MIN) == -1
    assert error("math", "add", MAX, 1) == "i64 add overflow"
    assert error("math", "add", MIN, -1) == "i64 add overflow"
    assert call("math", "sub", 2, 3) == -1
    assert error("math", "sub", MIN, 1) == "i64 add overflow"
    # nox computes x + (-y): negating i64::MIN overflows first, even where x - y would fit.
    assert error("math", "sub", -1, MIN) == "i64 neg overflow"
    assert call("math", "mul", 2, -1) == -2
    assert call("math", "mul", MIN, 1) == MIN
    assert error("math", "mul", MAX, 2) == "i64 mul overflow"
    assert error("math", "mul", MIN, -1) == "i64 mul overflow"


def test_div_and_rem_truncate_towards_zero() -> None:
    pairs = [(7, 2), (-7, 2), (7, -2), (-7, -2), (2, 3)]
    assert [call("math", "div", x, y) for x, y in pairs] == [3, -3, -3, 3, 0]
    assert [call("math", "rem", x, y) for x, y in pairs] == [1, -1, 1, -1, 2]
    assert error("math", "div", 2, 0) == "i64 div overflow"
    assert error("math", "div", MIN, -1) == "i64 div overflow"
    assert error("math", "rem", 2, 0) == "i64 rem overflow"
    assert error("math", "rem", MIN, -1) == "i64 rem overflow"
    assert call("math", "div", MIN, 1) == MIN


def test_fmul_floors_and_saturates() -> None:
    assert call("math", "fmul", 10, 0.66) == 6
    assert call("math", "fmul", 0.5, 0.5) == 0
    assert call("math", "fmul", 100.5, 0.5) == 50
    assert call("math", "fmul", -0.5, 3) == -2
    assert call("math", "fmul", 1e308, 10.0) == MAX  # Rust's `as i64` saturates, never raises
    assert call("math", "fmul", -1e308, 10.0) == MIN
    assert call("math", "fmul", 2.0**62, 4) == MAX
    assert error("math", "fmul", "1", 2) == wrong("x", '"1"', 'String("1")', "f64")


def test_pow_and_log() -> None:
    assert call("math", "pow", 2, 0) == 1
    assert call("math", "pow", 2, 62) == 2**62
    assert call("math", "pow", -2, 63) == MIN
    assert call("math", "pow", -1, 2**32 - 1) == -1
    assert call("math", "pow", 0, 2**32 - 1) == 0
    assert error("math", "pow", 2, 63) == "i64 pow overflow"
    assert error("math", "pow", 3, 2**32 - 1) == "i64 pow overflow"  # known at once, not computed
    assert error("math", "pow", 2, -1) == wrong("y", "-1", "Number(-1)", "u32")
    assert error("math", "pow", 2, 2**32) == wrong("y", str(2**32), f"Number({2**32})", "u32")
    assert call("math", "log", 2, 1024) == 10
    assert call("math", "log", 2, 1023) == 9
    assert call("math", "log", 10, 1) == 0
    assert call("math", "log", 3, MAX) == 39
    for x, y in [(1, 5), (0, 5), (-2, 8), (2, 0), (2, -8)]:
        assert error("math", "log", x, y) == "i64 log overflow"


@pytest.mark.parametrize("function", ["add", "sub", "mul", "fmul", "div", "rem", "pow", "log"])
def test_every_function_takes_exactly_two_arguments(function: str) -> None:
    assert error("math", function) == "expected 2 arguments, got 0"
    assert error("math", function, 1, 2, 3) == "expected 2 arguments, got 3"


def test_arguments_must_be_i64() -> None:
    assert error("math", "add", 1.0, 2) == wrong("x", "1.0", "Number(1.0)")
    assert error("math", "add", 1, True) == wrong("y", "true", "Bool(true)")
    assert error("math", "sub", None, 2) == wrong("x", "null", "Null")
    assert error("math", "mul", 2**63, 1) == wrong("x", str(2**63), f"Number({2**63})")
    assert error("math", "div", {"a": [1]}, 1) == wrong("x", '{"a":[1]}', 'Object {"a": Array [Number(1)]}')
    assert error("math", "rem", 1, "tab\there\u0001") == wrong(
        "y", '"tab\\there\\u0001"', 'String("tab\\there\\u{1}")'
    )


COMPILED_DATA = {"x": -7, "y": 2}
"""math.aqua's arguments besides `peer`, and the one response it gives (test_builtins_nodes.py)."""
COMPILED_RESPONSE = [-5, -9, -14, 3, -3, -1, -343, 10, [local_error("i64 div overflow")]]


def test_compiled_aqua_calls_every_math_function_on_another_peer() -> None:
    result = run_compiled("math", {"peer": "dev", **COMPILED_DATA})
    assert result.responses == [COMPILED_RESPONSE]
    assert {c.function for c in result.calls if c.service == "math" and c.peer == "dev"} == {
        "add", "sub", "mul", "fmul", "div", "rem", "pow", "log",
    }
