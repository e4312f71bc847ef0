"""`(seq a b)`: b runs only once a has completed without an error."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.instructions import execute as run


def execute(node: ast.Seq, ctx: ExecutionContext) -> None:
    ctx.complete = True
    run(node.left, ctx)
    if ctx.complete:
        run(node.right, ctx)
