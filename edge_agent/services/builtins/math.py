"""`math`: aqua-lib's `Math` service (math.aqua) -- 64-bit integer arithmetic.

As on a Fluence peer (nox, `particle-builtins/src/math.rs`): arguments are i64 (fmul's are
f64, pow's exponent u32), anything else fails with serde's message; a result that does not
fit in an i64, and a division by zero, fail with nox's "i64 <op> overflow" instead of
growing or raising. Division truncates towards zero and a remainder takes the dividend's
sign, as Rust's do. js-client computes in JS floats instead (no overflow errors, `div` and
`log` floored, division by zero gives Infinity).
"""

from __future__ import annotations

import math

from edge_agent.services.base import ServiceError
from edge_agent.services.builtins.args import F64, I64, I64_MAX, I64_MIN, U32, binary
from edge_agent.services.builtins.context import Builtin


def _fits(value: int, op: str) -> int:
    if not I64_MIN <= value <= I64_MAX:
        raise ServiceError(f"i64 {op} overflow")
    return value


def add(x: int, y: int) -> int:
    return _fits(x + y, "add")


def sub(x: int, y: int) -> int:
    if y == I64_MIN:  # nox computes x + (-y), and -y overflows first
        raise ServiceError("i64 neg overflow")
    return _fits(x - y, "add")


def mul(x: int, y: int) -> int:
    return _fits(x * y, "mul")


def fmul(x: float, y: float) -> int:
    """floor(x * y), converted as Rust's `as i64` does: saturating, NaN to 0."""
    product = float(x) * float(y)
    if math.isnan(product):
        return 0
    if product >= 2.0**63:
        return I64_MAX
    if product < -(2.0**63):
        return I64_MIN
    return math.floor(product)


def _truncated_quotient(x: int, y: int, op: str) -> int:
    if y == 0 or (x == I64_MIN and y == -1):  # Rust's checked_div/checked_rem give None
        raise ServiceError(f"i64 {op} overflow")
    q = abs(x) // abs(y)
    return q if (x < 0) == (y < 0) else -q


def div(x: int, y: int) -> int:
    return _truncated_quotient(x, y, "div")


def rem(x: int, y: int) -> int:
    return x - y * _truncated_quotient(x, y, "rem")


def pow_(x: int, y: int) -> int:
    """x ** y, computed only when it can fit (|x| >= 2 overflows from y = 64 on)."""
    if abs(x) >= 2 and y >= 64:
        raise ServiceError("i64 pow overflow")
    return _fits(x**y, "pow")


def log(x: int, y: int) -> int:
    """floor(log_x(y)) (Rust's `y.checked_ilog(x)`): needs y >= 1 and x >= 2."""
    if y <= 0 or x < 2:
        raise ServiceError("i64 log overflow")
    n = 0
    while y >= x:  # at most 63 steps
        y //= x
        n += 1
    return n


FUNCTIONS: dict[str, Builtin] = {
    "add": binary(add),
    "sub": binary(sub),
    "mul": binary(mul),
    "fmul": binary(fmul, F64, F64),
    "div": binary(div),
    "rem": binary(rem),
    "pow": binary(pow_, I64, U32),
    "log": binary(log),
}
