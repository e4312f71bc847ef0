"""`(new var body)`: a fresh scalar, stream or canon stream that lives only in the body.

A stream opened by `new` is its own instance, named after the `new` instruction instance,
so each fold iteration that opens one gets a stream of its own.
"""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.instructions import execute as run


def execute(node: ast.New, ctx: ExecutionContext) -> None:
    var = node.variable
    name = var.name
    if type(var) is ast.Stream or type(var) is ast.StreamMap:
        scopes = ctx.stream_scopes.setdefault(name, [])
        scopes.append(f"{name}@{ctx.key(node)}")
        try:
            run(node.body, ctx)
        finally:
            scopes.pop()
        return
    scope = ctx.scalars if type(var) is ast.Scalar else ctx.canons
    scope.new_start(name)
    try:
        run(node.body, ctx)
    finally:
        scope.new_end(name)
