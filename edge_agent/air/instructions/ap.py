"""`(ap value result)`: set a scalar, or append to a stream (recorded like a call result)."""

from __future__ import annotations

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext, VariableNotFound
from edge_agent.air.data import Entry, Kind
from edge_agent.air.errors import FORGED_RESULT, Uncatchable
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
    entry = ctx.recorded(key, (Kind.AP,), None, node)
    if entry is None:
        ctx.record_to_stream(result.name, key, Entry(Kind.AP, value, ctx.params.current_peer_id))
    else:
        check_replayed(ctx, key, entry, value)
        ctx.replay_to_stream(result.name, key, entry, entry.value)


def check_replayed(ctx: ExecutionContext, key: str, entry: Entry, value: object) -> None:
    """An `ap` runs on any peer, so its seal proves little: its recorded value must be the
    value its argument gives now."""
    same, work = V.equal_work(entry.value, value)
    ctx.charge(work // V.EQUAL_VALUES_PER_STEP)
    if not same:
        raise Uncatchable(
            FORGED_RESULT,
            f"the data holds a value for ap {key!r} (by {entry.peer}) that its argument does not give",
        )
