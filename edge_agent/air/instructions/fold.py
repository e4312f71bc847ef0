"""`(fold iterable i body last?)`: iterate an array, a canon stream or a stream.

Over an array or canon stream the body runs for the first value and `(next i)` recurses
into the following ones; `last` runs after the final `next`. Over a stream, each
generation is folded in turn and the fold also visits values appended while it runs
(AquaVM's recursive streams); catchable errors inside are swallowed, since which values a
peer has seen differs from peer to peer. Each iteration is keyed by its value's identity,
so results recorded in one iteration never leak into another.
"""

from __future__ import annotations

from typing import Any

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import (
    ExecutionContext,
    FoldState,
    VariableNotFound,
    iteration_token,
    set_iterator,
)
from edge_agent.air.errors import FOLD_OVER_NON_ARRAY, Catchable, ExecutionError
from edge_agent.air.instructions import attempt
from edge_agent.air.resolve import resolve


def execute(node: ast.Fold, ctx: ExecutionContext) -> None:
    iterable = node.iterable
    if type(iterable) is ast.EmptyArray:
        return
    if type(iterable) is ast.Stream or type(iterable) is ast.StreamMap:
        _fold_stream(node, iterable, ctx)
        return
    try:
        if type(iterable) is ast.CanonStreamMap:
            value = ctx.canons.get(iterable.name)  # its {key, value} entries
        else:
            value = resolve(ctx, iterable)  # type: ignore[arg-type]
    except VariableNotFound:
        ctx.complete = False
        return
    if type(value) is not list:
        raise Catchable(
            FOLD_OVER_NON_ARRAY,
            f"expression '{iterable.render()}' returned non-array value '{V.to_json(value)}' "
            "for fold iterable",
        )
    if not value:
        return
    fold_over(ctx, node, value, [str(i) for i in range(len(value))], stream=False)


def fold_over(
    ctx: ExecutionContext, node: ast.Fold, items: list[Any], tokens: list[str], *, stream: bool
) -> None:
    """Run the body for the first item; `next` takes it from there."""
    state = FoldState(node, items, tokens, 0, stream)
    ctx.scalars.fold_start()
    ctx.canons.fold_start()
    set_iterator(ctx, node.iterator, state)
    saved = ctx.iteration.get(node.node_id)
    ctx.iteration[node.node_id] = tokens[0]
    after_body(node, ctx, (state, saved), attempt(node.body, ctx))


def after_body(
    node: ast.Fold, ctx: ExecutionContext, payload: tuple[FoldState, str | None], exc: ExecutionError | None
) -> None:
    """The fold's scope ends with the body (also a resume frame, for a fold over an array:
    a fold over a stream goes on with the stream's next generation, which no frame holds)."""
    state, saved = payload
    if ctx.pending:
        if state.stream_fold:
            ctx.pending = False  # no resume point this run
        else:
            ctx.on_path((after_body, node, payload))
    del ctx.iterators[node.iterator]
    if saved is None:
        del ctx.iteration[node.node_id]
    else:
        ctx.iteration[node.node_id] = saved
    ctx.scalars.fold_end()
    ctx.canons.fold_end()
    if exc is not None:
        raise exc


def _fold_stream(node: ast.Fold, iterable: ast.Stream | ast.StreamMap, ctx: ExecutionContext) -> None:
    stream = ctx.stream_if_exists(iterable.name)
    if stream is None:  # nothing written to it yet: wait
        ctx.complete = False
        return
    slices, cursor = stream.fold_started()
    complete = False
    while slices:
        for generation in slices:
            items = [v.value for v in generation]
            tokens = [iteration_token(v.key) for v in generation]
            try:
                fold_over(ctx, node, items, tokens, stream=True)
            except ExecutionError as exc:
                if not exc.catchable:
                    raise
            complete = complete or ctx.complete
        slices, cursor = stream.next_iteration(cursor)
    ctx.complete = complete
