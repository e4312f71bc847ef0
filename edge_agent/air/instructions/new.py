"""`(new var body)`: a fresh scalar, stream or canon stream that lives only in the body.

A stream opened by `new` is its own instance, named after the `new` instruction instance,
so each fold iteration that opens one gets a stream of its own.
"""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import attempt


def execute(node: ast.New, ctx: ExecutionContext) -> None:
    var = node.variable
    name = var.name
    if type(var) is ast.Stream or type(var) is ast.StreamMap:
        ctx.stream_scopes.setdefault(name, []).append(f"{name}@{ctx.key(node)}")
    else:
        (ctx.scalars if type(var) is ast.Scalar else ctx.canons).new_start(name)
    after_body(node, ctx, None, attempt(node.body, ctx))


def after_body(node: ast.New, ctx: ExecutionContext, payload: object, exc: ExecutionError | None) -> None:
    """The variable's scope ends with the body (also a resume frame)."""
    if ctx.pending:
        ctx.on_path((after_body, node, None))
    var = node.variable
    if type(var) is ast.Stream or type(var) is ast.StreamMap:
        ctx.stream_scopes[var.name].pop()
    else:
        (ctx.scalars if type(var) is ast.Scalar else ctx.canons).new_end(var.name)
    if exc is not None:
        raise exc
