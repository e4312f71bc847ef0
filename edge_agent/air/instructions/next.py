"""`(next i)`: run the enclosing fold's body for the next value, or its `last` at the end."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext, FoldState
from edge_agent.air.errors import FOLD_STATE_NOT_FOUND, ExecutionError, Uncatchable
from edge_agent.air.instructions import attempt, passthrough
from edge_agent.air.memo import MEMO_STRIDE


def execute(node: ast.Next, ctx: ExecutionContext) -> None:
    state = ctx.iterators.get(node.iterator)
    if state is None:
        raise Uncatchable(FOLD_STATE_NOT_FOUND, f"fold state not found for this iterable '{node.iterator}'")
    fold = state.node
    if state.index + 1 >= len(state.items):
        if fold.last is not None:
            ctx.complete = True
            passthrough(node, ctx, None, attempt(fold.last, ctx))
        elif state.stream_fold and not state.back_iteration_started:
            # AquaVM: the end of a stream fold without `last` behaves like (never).
            state.back_iteration_started = True
            ctx.complete = False
        return
    memo = ctx.memo
    if memo is None or (state.index + 1) % MEMO_STRIDE or fold.node_id not in ctx.script.shape.array_folds:
        _next(node, ctx, state)
        return
    # The rest of the fold from here: skipped if nothing it depends on changed (memo.py).
    key = ctx.key(node)
    if (not ctx.capturing or not ctx.remote_points) and memo.table:
        summary = memo.usable(key, ctx)
        if summary is not None:
            memo.replay(summary, ctx)
            return
    mark = memo.mark(ctx)
    _next(node, ctx, state)
    memo.record(key, mark, ctx)


def _next(node: ast.Next, ctx: ExecutionContext, state: FoldState) -> None:
    fold = state.node
    state.index += 1
    ctx.iteration[fold.node_id] = state.tokens[state.index]
    ctx.scalars.next_before()
    ctx.canons.next_before()
    after_body(node, ctx, state, attempt(fold.body, ctx))


def after_body(node: ast.Next, ctx: ExecutionContext, state: FoldState, exc: ExecutionError | None) -> None:
    """Back from the next value's iteration to this one (also a resume frame)."""
    if ctx.pending:
        ctx.on_path((after_body, node, state))
    ctx.scalars.next_after()
    ctx.canons.next_after()
    if exc is not None:
        raise exc
    state.index -= 1
    ctx.iteration[state.node.node_id] = state.tokens[state.index]
