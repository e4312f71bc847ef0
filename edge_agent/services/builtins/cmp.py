"""`cmp`: aqua-lib's `Compare` service (math.aqua) -- comparisons of two i64.

Arguments and their errors are nox's (`binary` over i64, `particle-builtins/src/math.rs`);
js-client compares any two JS numbers.
"""

from __future__ import annotations

from edge_agent.services.builtins.args import binary
from edge_agent.services.builtins.context import Builtin


def _cmp(x: int, y: int) -> int:
    """-1, 0 or 1 as x is less than, equal to or greater than y."""
    return (x > y) - (x < y)


FUNCTIONS: dict[str, Builtin] = {
    "gt": binary(lambda x, y: x > y),
    "gte": binary(lambda x, y: x >= y),
    "lt": binary(lambda x, y: x < y),
    "lte": binary(lambda x, y: x <= y),
    "cmp": binary(_cmp),
}
