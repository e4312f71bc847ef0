"""`(canon peer $s #c)`: freeze a stream into a canon stream, on `peer` only.

Stream maps canonicalize the same way: to a `#%canon_map`, or to a scalar object holding
each key's first value.

The canon peer records which stream values it sees, in its order (as references to the
log entries that hold them, so a join's many canons stay small); every later reader, on
any peer, replays that record, so they all agree. Elsewhere a canon waits and
names its peer as a next hop.
"""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext, VariableNotFound
from edge_agent.air.data import Entry, Kind
from edge_agent.air.resolve import resolve_string


def execute(node: ast.Canon, ctx: ExecutionContext) -> None:
    try:
        peer = resolve_string(ctx, node.peer)
    except VariableNotFound:
        ctx.complete = False
        return
    key = ctx.key(node)
    entry = ctx.recorded(key, (Kind.CANON,), peer, node)
    if entry is None:
        if peer != ctx.params.current_peer_id:
            if key not in ctx.data.sent:
                ctx.data.sent[key] = peer
                ctx.add_next_peer(peer, None)
            ctx.complete = False
            return
        stream = ctx.stream_if_exists(node.stream.name)
        entry = Entry(Kind.CANON, ctx.canon_keys(stream) if stream is not None else [], peer)
        ctx.record(key, entry)
    values = ctx.canon_values(entry)
    target = node.canon
    if type(target) is ast.Scalar:
        ctx.scalars.set(target.name, V.first_values_object(values))
    else:
        ctx.canons.set(target.name, values)
