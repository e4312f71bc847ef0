"""One module per AIR instruction, and the single table that dispatches to them.

`execute` is how every instruction runs another: it counts the step and, when a catchable
error passes through an instruction for the first time, records it in `%last_error%` and
`:error:` with that instruction's text (AquaVM's `execute!`). A new instruction is one
module, one entry in `DISPATCH`, one test file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import ExecutionError

Executor = Callable[[Any, ExecutionContext], None]
DISPATCH: dict[type, Executor] = {}
"""Instruction class -> executor. Filled below, after the modules are imported."""


def execute(node: ast.Instruction, ctx: ExecutionContext) -> None:
    ctx.step()
    executor = DISPATCH[type(node)]
    if type(node) is ast.Call:
        executor(node, ctx)  # a call records its own errors, with the peer that failed it
        return
    try:
        executor(node, ctx)
    except ExecutionError as exc:
        note_error(node, ctx, exc)
        raise


def note_error(node: ast.Instruction, ctx: ExecutionContext, exc: ExecutionError) -> None:
    """A catchable error passes through `node`: the first time, `:error:` names it."""
    errors = ctx.errors
    if exc.catchable and (errors.error_can_set or (errors.last_can_set and exc.affects_last_error())):  # type: ignore[attr-defined]
        errors.set_errors(exc, ast.render(node), ctx.params.current_peer_id, None, False)


def attempt(node: ast.Instruction, ctx: ExecutionContext) -> ExecutionError | None:
    """Run `node`; the error it raised, if any (the caller goes on from it, or a resumed run does)."""
    try:
        execute(node, ctx)
    except ExecutionError as exc:
        return exc.detached()
    return None


def passthrough(
    node: ast.Instruction, ctx: ExecutionContext, payload: object, exc: ExecutionError | None
) -> None:
    """How an instruction goes on after its last child: as that child went (a resume frame)."""
    if ctx.pending:
        ctx.on_path((passthrough, node, None))
    if exc is not None:
        raise exc


def then(
    ctx: ExecutionContext, owed: bool, child: ast.Instruction, after: Callable[..., None],
    node: ast.Instruction, payload: object,
) -> None:
    """Run `child`, another child of `node`, then `after` (its resume frame). `owed`: the child
    run before holds the captured point, so `node` must keep owing its frame to its parent."""
    if not owed:
        after(node, ctx, payload, attempt(child, ctx))
        return
    ctx.pending = False
    try:
        after(node, ctx, payload, attempt(child, ctx))
    finally:
        ctx.pending = True


from edge_agent.air.instructions import (  # noqa: E402  (the modules import `execute` from here)
    ap,
    ap_map,
    call,
    canon,
    fail,
    fold,
    match,
    new,
    next,
    null,
    par,
    seq,
    xor,
)

DISPATCH.update(
    {
        ast.Seq: seq.execute,
        ast.Par: par.execute,
        ast.Xor: xor.execute,
        ast.Call: call.execute,
        ast.Fold: fold.execute,
        ast.Next: next.execute,
        ast.New: new.execute,
        ast.Match: match.execute_match,
        ast.MisMatch: match.execute_mismatch,
        ast.Ap: ap.execute,
        ast.ApMap: ap_map.execute,
        ast.Canon: canon.execute,
        ast.FailLiteral: fail.execute_literal,
        ast.FailValue: fail.execute_value,
        ast.Null: null.execute_null,
        ast.Never: null.execute_never,
    }
)

INERT: dict[Callable[..., None], Callable[[Any, bool], bool | None]] = {
    seq.after_left: lambda _, complete: None if complete else complete,
    passthrough: lambda _, complete: complete,
    par.after_left: lambda _, complete: None,
    par.after_right: lambda left, complete: left[0] or complete,
    xor.after_left: lambda _, complete: complete,
    xor.after_right: lambda _, complete: complete,
    new.after_body: lambda _, complete: complete,
    fold.after_body: lambda _, complete: complete,
    fold.after_generation: lambda _, complete: None,
    next.after_body: lambda _, complete: complete,
}
"""Resume frame -> given what the frame kept and `complete` as its child left it, with no
error: None if the frame would run another instruction, else `complete` as it leaves it.
(seq runs its right side after a complete left; par runs its right side after the left.)"""
