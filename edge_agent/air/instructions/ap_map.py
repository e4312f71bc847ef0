"""`(ap (key value) %map)`: append a key/value pair to a stream map (Aqua's structs and maps).

A stream map is a stream whose values are `{"key": k, "value": v}`; keys are strings or
integers.
"""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext, VariableNotFound
from edge_agent.air.data import Entry, Kind
from edge_agent.air.errors import STREAM_MAP_KEY_ERROR, Catchable
from edge_agent.air.instructions.ap import check_replayed
from edge_agent.air.resolve import resolve


def execute(node: ast.ApMap, ctx: ExecutionContext) -> None:
    try:
        key = resolve(ctx, node.key)
        value = resolve(ctx, node.value)
    except VariableNotFound:
        ctx.complete = False
        return
    if type(key) not in (str, int):
        raise Catchable(STREAM_MAP_KEY_ERROR, f"unsupported type for a stream map key: '{V.quote(key)}'")
    entry_key = ctx.key(node)
    entry = ctx.recorded(entry_key, (Kind.AP,), None, node)
    pair = {"key": key, "value": value}
    if entry is None:
        ctx.record_to_stream(node.map.name, entry_key, Entry(Kind.AP, pair, ctx.params.current_peer_id))
    else:
        check_replayed(ctx, entry_key, entry, pair)
        ctx.replay_to_stream(node.map.name, entry_key, entry, entry.value)
