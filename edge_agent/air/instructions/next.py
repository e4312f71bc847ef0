"""`(next i)`: run the enclosing fold's body for the next value, or its `last` at the end."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import FOLD_STATE_NOT_FOUND, Uncatchable
from edge_agent.air.instructions import execute as run


def execute(node: ast.Next, ctx: ExecutionContext) -> None:
    state = ctx.iterators.get(node.iterator)
    if state is None:
        raise Uncatchable(FOLD_STATE_NOT_FOUND, f"fold state not found for this iterable '{node.iterator}'")
    fold = state.node
    if state.index + 1 >= len(state.items):
        if fold.last is not None:
            ctx.complete = True
            run(fold.last, ctx)
        elif state.stream_fold and not state.back_iteration_started:
            # AquaVM: the end of a stream fold without `last` behaves like (never).
            state.back_iteration_started = True
            ctx.complete = False
        return
    state.index += 1
    ctx.iteration[fold.node_id] = state.tokens[state.index]
    ctx.scalars.next_before()
    ctx.canons.next_before()
    try:
        run(fold.body, ctx)
    finally:
        ctx.scalars.next_after()
        ctx.canons.next_after()
    state.index -= 1
    ctx.iteration[fold.node_id] = state.tokens[state.index]
