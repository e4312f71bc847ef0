"""`(seq a b)`: b runs only once a has completed without an error."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import execute as run
from edge_agent.air.instructions import passthrough, then


def execute(node: ast.Seq, ctx: ExecutionContext) -> None:
    ctx.complete = True
    try:
        run(node.left, ctx)
    except ExecutionError as exc:
        after_left(node, ctx, None, exc.detached())
    if ctx.pending:  # resumable runs go the long way; the rest, the short one below
        after_left(node, ctx, None, None)
    elif ctx.complete:
        try:
            run(node.right, ctx)
        except ExecutionError as exc:
            passthrough(node, ctx, None, exc.detached())
        if ctx.pending:
            ctx.on_path((passthrough, node, None))


def after_left(node: ast.Seq, ctx: ExecutionContext, payload: object, exc: ExecutionError | None) -> None:
    """What follows `a` (also a resume frame)."""
    owed = ctx.pending
    if owed:
        ctx.on_path((after_left, node, None))
    if exc is not None:
        raise exc
    if ctx.complete:
        then(ctx, owed, node.right, passthrough, node, None)
