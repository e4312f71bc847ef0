"""`(xor a b)`: b runs only when a fails with a catchable error; b sees it as `:error:`."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext, no_error
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import attempt, then


def execute(node: ast.Xor, ctx: ExecutionContext) -> None:
    ctx.complete = True
    after_left(node, ctx, None, attempt(node.left, ctx))


def after_left(node: ast.Xor, ctx: ExecutionContext, payload: object, exc: ExecutionError | None) -> None:
    """What follows `a` (also a resume frame)."""
    owed = ctx.pending
    if owed:
        ctx.on_path((after_left, node, None))
    if exc is None:
        return
    if not exc.catchable:
        raise exc
    errors = ctx.errors
    ctx.complete = True
    errors.last_can_set = True
    errors.orig = exc
    errors.error_can_set = True
    then(ctx, owed, node.right, after_right, node, None)


def after_right(node: ast.Xor, ctx: ExecutionContext, payload: object, exc: ExecutionError | None) -> None:
    """What follows `b` (also a resume frame)."""
    if ctx.pending:
        ctx.on_path((after_right, node, None))
    errors = ctx.errors
    if errors.error_can_set:  # nothing new was raised in the catch: :error: goes back to none
        errors.error = no_error()
        errors.orig = None
    if exc is not None:
        raise exc
    errors.error_can_set = True
