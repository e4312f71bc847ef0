"""`(seq a b)`: b runs only once a has completed without an error."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import attempt, passthrough, then


def execute(node: ast.Seq, ctx: ExecutionContext) -> None:
    ctx.complete = True
    after_left(node, ctx, None, attempt(node.left, ctx))


def after_left(node: ast.Seq, ctx: ExecutionContext, payload: object, exc: ExecutionError | None) -> None:
    """What follows `a` (also a resume frame)."""
    owed = ctx.pending
    if owed:
        ctx.on_path((after_left, node, None))
    if exc is not None:
        raise exc
    if ctx.complete:
        then(ctx, owed, node.right, passthrough, node, None)
