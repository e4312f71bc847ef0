"""`(null)` does nothing and completes; `(never)` does nothing and never completes."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext


def execute_null(node: ast.Null, ctx: ExecutionContext) -> None:
    return None


def execute_never(node: ast.Never, ctx: ExecutionContext) -> None:
    ctx.complete = False
