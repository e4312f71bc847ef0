"""`(ap value result)`: set a scalar, or append to a stream (recorded like a call result)."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air.context import ExecutionContext, VariableNotFound
from edge_agent.air.data import Entry, Kind
from edge_agent.air.resolve import resolve


def execute(node: ast.Ap, ctx: ExecutionContext) -> None:
    try:
        value = resolve(ctx, node.value)
    except VariableNotFound:
        ctx.complete = False
        return
    result = node.result
    if type(result) is ast.Scalar:
        ctx.scalars.set(result.name, value)
        return
    key = ctx.key(node)
    entry = ctx.data.entries.get(key)
    if entry is None:
        ctx.record_to_stream(result.name, key, Entry(Kind.AP, value, ctx.params.current_peer_id))
    else:
        ctx.replay_to_stream(result.name, key, entry, entry.value)
