"""`array`: aqua-lib's `Array` service (math.aqua) -- sums and set operations on arrays.

As on a Fluence peer (nox, `particle-builtins/src/math.rs` and `builtins.rs`): `sum` takes
i64 (overflow is an error), the set operations take arrays of strings and deduplicate.
nox's set operations go through a hash set, so their order is arbitrary; here it is the
order of first appearance (in xs, then ys), so every peer and every replay agree. nox's
`slice` and `length` come too, though aqua-lib 0.10 does not declare them. js-client takes
any values in the set operations, keeps duplicates in intersect and diff, and has no
`slice` or `length`.
"""

from __future__ import annotations

from typing import Any

from edge_agent.air.values import to_json
from edge_agent.services.base import ServiceError
from edge_agent.services.builtins import op
from edge_agent.services.builtins.args import HASHSET_STRING, VEC_I64, VEC_STRING, binary, unary
from edge_agent.services.builtins.context import Builtin, CallContext
from edge_agent.services.builtins.math import add


def _sum(xs: list[int]) -> int:
    total = 0
    for x in xs:  # nox checks every step: a sum that overflows on the way fails
        total = add(total, x)
    return total


def _dedup(xs: list[str]) -> list[str]:
    return list(dict.fromkeys(xs))


def _intersect(xs: list[str], ys: list[str]) -> list[str]:
    keep = set(ys)
    return [x for x in _dedup(xs) if x in keep]


def _diff(xs: list[str], ys: list[str]) -> list[str]:
    drop = set(ys)
    return [x for x in _dedup(xs) if x not in drop]


def _sdiff(xs: list[str], ys: list[str]) -> list[str]:
    return _diff(xs, ys) + _diff(ys, xs)


def _slice(args: list[Any], ctx: CallContext) -> Any:
    """`slice(array, start, end)`: array[start:end], indexes within the array."""
    if len(args) != 3:
        raise ServiceError("invalid number of parameters. need array, start index and end index")
    array, start, end = args
    if type(array) is not list:
        raise ServiceError(f"first argument must be an array, was {to_json(array)}")
    if not array:  # nox answers [] for an empty array, whatever the indexes
        return []
    if not _is_u64(start):
        raise ServiceError(f"second argument (start index) must be an unsigned integer, was {to_json(start)}")
    if not _is_u64(end):
        raise ServiceError(f"third argument (end index) must be an unsigned integer, was {to_json(end)}")
    if start > end or end > len(array):
        raise ServiceError(
            f"slice indexes out of bounds. start index: {start}, end index: {end}, array length: {len(array)}"
        )
    return array[start:end]


def _is_u64(value: Any) -> bool:
    return type(value) is int and 0 <= value < 2**64


FUNCTIONS: dict[str, Builtin] = {
    "sum": unary(_sum, VEC_I64),
    "dedup": unary(_dedup, VEC_STRING),
    "intersect": binary(_intersect, HASHSET_STRING, HASHSET_STRING),
    "diff": binary(_diff, HASHSET_STRING, HASHSET_STRING),
    "sdiff": binary(_sdiff, HASHSET_STRING, HASHSET_STRING),
    "slice": _slice,
    "length": op.array_length,  # nox's array.length is op.array_length, messages and all
}
