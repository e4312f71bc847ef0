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
    Stream,
    StreamValue,
    VariableNotFound,
    iteration_token,
    set_iterator,
)
from edge_agent.air.errors import FOLD_OVER_NON_ARRAY, Catchable, ExecutionError
from edge_agent.air.instructions import attempt
from edge_agent.air.memo import (
    MEMO_ITEMS_PER_STEP,
    Memo,
    restore_stream,
    same_generations,
    snapshot,
    stream_sig,
)
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
            f"expression '{iterable.render()}' returned non-array value '{V.quote(value)}' "
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
    """The fold's scope ends with the body (also a resume frame)."""
    state, saved = payload
    if ctx.pending:
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
    memo = ctx.memo
    touched = None if memo is None else ctx.script.shape.stream_folds.get(node.node_id)
    if touched is None:
        slices, cursor = stream.fold_started()
        _generations(node, ctx, stream.instance, slices, 0, cursor, False)
    else:
        _fold_stream_memo(node, ctx, stream, touched, memo)


def _fold_stream_memo(node: ast.Fold, ctx: ExecutionContext, stream: Stream, touched: tuple[str, ...],
                      memo: Memo) -> None:
    """A fold over a stream whose body does not write it: the generations the last run
    visited are skipped if nothing they depend on changed (memo.py); the new ones are visited."""
    key = ctx.key(node)
    mark = memo.mark(ctx)
    scopes = ctx.stream_scopes
    instances = [scopes[n][-1] if scopes.get(n) else n for n in touched]
    streams = ctx.streams
    starts = [stream_sig(streams.get(i)) for i in instances]
    slices, cursor = stream.fold_started()
    ctx.steps += len(slices) // MEMO_ITEMS_PER_STEP
    summary = None if ctx.capturing and ctx.remote_points else memo.usable(key, ctx, appends=False)
    done, complete = 0, False
    if summary is not None:
        visited, kept_starts, ends = summary.extra
        fresh = all(not any(g for g in streams[i].new) for i in instances if i in streams)
        if fresh and kept_starts == starts and same_generations(slices, visited):
            memo.replay(summary, ctx, appends=False)
            for instance, snap in zip(instances, ends, strict=True):
                if snap is not None:
                    restore_stream(ctx, instance, snap)
            done, complete = len(visited), ctx.complete
    _generations(node, ctx, stream.instance, slices, done, cursor, complete)
    ends = [snapshot(streams[i]) if i in streams else None for i in instances]
    memo.record(key, mark, ctx, (list(slices), starts, ends))


def _generations(
    node: ast.Fold, ctx: ExecutionContext, instance: str, slices: list[list[StreamValue]], i: int,
    cursor: tuple[int, int], complete: bool,
) -> None:
    """Fold each generation in turn from `slices[i]`, then those appended meanwhile."""
    stream = ctx.streams[instance]
    while True:
        while i < len(slices):
            generation = slices[i]
            i += 1
            items = [v.value for v in generation]
            tokens = [iteration_token(v.key) for v in generation]
            exc = None
            try:
                fold_over(ctx, node, items, tokens, stream=True)
            except ExecutionError as err:
                exc = err.detached()
            if ctx.pending:  # it holds the captured point: go on as the frame would
                after_generation(node, ctx, (instance, slices, i, cursor, complete), exc)
                return
            if exc is not None and not exc.catchable:
                raise exc
            complete = complete or ctx.complete
        slices, cursor = stream.next_iteration(cursor)
        i = 0
        if not slices:
            break
    ctx.complete = complete


Generations = tuple[str, list[list[StreamValue]], int, tuple[int, int], bool]
"""(stream instance, the generations being folded, the next one's index, cursor, complete)."""


def after_generation(
    node: ast.Fold, ctx: ExecutionContext, payload: Generations, exc: ExecutionError | None
) -> None:
    """What follows one generation of a fold over a stream: the next ones (also a resume
    frame; catchable errors inside are swallowed)."""
    instance, slices, i, cursor, complete = payload
    owed = ctx.pending
    if owed:
        ctx.on_path((after_generation, node, payload))
    if exc is not None and not exc.catchable:
        raise exc
    complete = complete or ctx.complete
    if not owed:
        _generations(node, ctx, instance, slices, i, cursor, complete)
        return
    ctx.pending = False
    try:
        _generations(node, ctx, instance, slices, i, cursor, complete)
    finally:
        ctx.pending = True
