"""`(par a b)`: both run; it is complete when either is, and fails only when both fail.

A `next` on the right of a par starts incomplete, so the last iteration of a fan-out
`(fold xs x (par (call x ...) (next x)))` waits for its call (AquaVM's
determine_subgraph_complete): code after a fan-out runs on the first arrival.
"""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import attempt, then

Outcome = tuple[bool, ExecutionError | None]


def _outcome(ctx: ExecutionContext, exc: ExecutionError | None) -> Outcome:
    """A branch's (complete, catchable error); an uncatchable one goes on up."""
    if exc is None:
        return ctx.complete, None
    ctx.complete = False
    if not exc.catchable:
        raise exc
    return False, exc


def execute(node: ast.Par, ctx: ExecutionContext) -> None:
    ctx.complete = type(node.left) is not ast.Next
    after_left(node, ctx, None, attempt(node.left, ctx))


def after_left(node: ast.Par, ctx: ExecutionContext, payload: object, exc: ExecutionError | None) -> None:
    """What follows `a` (also a resume frame)."""
    owed = ctx.pending
    if owed:
        ctx.on_path((after_left, node, None))
    left = _outcome(ctx, exc)
    ctx.complete = type(node.right) is not ast.Next
    then(ctx, owed, node.right, after_right, node, left)


def after_right(node: ast.Par, ctx: ExecutionContext, left: Outcome, exc: ExecutionError | None) -> None:
    """What follows `b`, given how `a` went (also a resume frame)."""
    if ctx.pending:
        ctx.on_path((after_right, node, left))
    left_complete, left_error = left
    right_complete, right_error = _outcome(ctx, exc)
    ctx.complete = left_complete or right_complete
    if left_error is None or right_error is None:
        ctx.errors.last_can_set = True
        return
    raise right_error
