"""`(par a b)`: both run; it is complete when either is, and fails only when both fail.

A `next` on the right of a par starts incomplete, so the last iteration of a fan-out
`(fold xs x (par (call x ...) (next x)))` waits for its call (AquaVM's
determine_subgraph_complete): code after a fan-out runs on the first arrival.
"""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import execute as run


def _branch(node: ast.Instruction, ctx: ExecutionContext) -> tuple[bool, ExecutionError | None]:
    ctx.complete = type(node) is not ast.Next
    try:
        run(node, ctx)
    except ExecutionError as exc:
        ctx.complete = False
        if not exc.catchable:
            raise
        return False, exc
    return ctx.complete, None


def execute(node: ast.Par, ctx: ExecutionContext) -> None:
    left_complete, left_error = _branch(node.left, ctx)
    right_complete, right_error = _branch(node.right, ctx)
    ctx.complete = left_complete or right_complete
    if left_error is None or right_error is None:
        ctx.errors.last_can_set = True
        return
    raise right_error
