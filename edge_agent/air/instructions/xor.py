"""`(xor a b)`: b runs only when a fails with a catchable error; b sees it as `:error:`."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext, no_error
from edge_agent.air.errors import ExecutionError
from edge_agent.air.instructions import execute as run


def execute(node: ast.Xor, ctx: ExecutionContext) -> None:
    ctx.complete = True
    try:
        run(node.left, ctx)
        return
    except ExecutionError as exc:
        if not exc.catchable:
            raise
        caught = exc
    errors = ctx.errors
    ctx.complete = True
    errors.last_can_set = True
    errors.orig = caught
    errors.error_can_set = True
    try:
        run(node.right, ctx)
    finally:
        if errors.error_can_set:  # nothing new was raised in the catch: :error: goes back to none
            errors.error = no_error()
            errors.orig = None
    errors.error_can_set = True
