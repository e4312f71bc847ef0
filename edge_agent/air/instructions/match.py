"""`(match a b body)` / `(mismatch a b body)`: run body if the values are (not) equal.

The comparison is serde_json's (1 and 1.0 differ). A value not there yet makes it wait;
a failed comparison is catchable (10001 / 10002) and leaves `%last_error%` alone.
"""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext, VariableNotFound
from edge_agent.air.errors import MATCH_FAILED, MISMATCH_FAILED, Catchable
from edge_agent.air.instructions import attempt, passthrough
from edge_agent.air.resolve import resolve


def _compare(node: ast.Match | ast.MisMatch, ctx: ExecutionContext) -> bool | None:
    try:
        left = resolve(ctx, node.left)
        right = resolve(ctx, node.right)
    except VariableNotFound:
        ctx.complete = False
        return None
    same, work = V.equal_work(left, right)
    ctx.charge(work // V.EQUAL_VALUES_PER_STEP)
    return same


def execute_match(node: ast.Match, ctx: ExecutionContext) -> None:
    same = _compare(node, ctx)
    if same is None:
        return
    if not same:
        raise Catchable(MATCH_FAILED, "compared values do not match")
    passthrough(node, ctx, None, attempt(node.body, ctx))


def execute_mismatch(node: ast.MisMatch, ctx: ExecutionContext) -> None:
    same = _compare(node, ctx)
    if same is None:
        return
    if same:
        raise Catchable(MISMATCH_FAILED, "compared values do not mismatch")
    passthrough(node, ctx, None, attempt(node.body, ctx))
