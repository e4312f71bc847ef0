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
        errors = ctx.errors
        if exc.catchable and (errors.error_can_set or (errors.last_can_set and exc.affects_last_error())):  # type: ignore[attr-defined]
            errors.set_errors(exc, ast.render(node), ctx.params.current_peer_id, None, False)
        raise


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
