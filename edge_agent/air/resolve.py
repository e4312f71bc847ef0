"""Turn a value written in a script into the JSON value it stands for in this run."""

from __future__ import annotations

from typing import Any

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import NON_STRING_IN_TRIPLET, Catchable


def resolve(ctx: ExecutionContext, value: ast.Value) -> Any:
    """The value now; raises VariableNotFound if a variable has none yet (the caller may wait)."""
    t = type(value)
    if t is ast.Literal or t is ast.Number or t is ast.Boolean:
        return value.value  # type: ignore[union-attr]
    if t is ast.Scalar:
        v = ctx.scalar(value.name)  # type: ignore[union-attr]
        if value.lens:  # type: ignore[union-attr]
            v = V.apply_lens(v, value.lens, ctx.scalar)  # type: ignore[union-attr]
        if value.length:  # type: ignore[union-attr]
            return V.length_of(v)
        return v
    if t is ast.CanonStream:
        items = ctx.canons.get(value.name)  # type: ignore[union-attr]
        if value.length:  # type: ignore[union-attr]
            return len(items)
        if value.lens:  # type: ignore[union-attr]
            return V.apply_canon_lens(items, value.lens, ctx.scalar)  # type: ignore[union-attr]
        return list(items)
    if t is ast.CanonStreamMap:
        entries = ctx.canons.get(value.name)  # type: ignore[union-attr]
        if value.length:  # type: ignore[union-attr]
            return len(entries)
        if value.lens:  # type: ignore[union-attr]
            return V.apply_canon_map_lens(entries, value.lens, ctx.scalar)  # type: ignore[union-attr]
        return V.canon_map_object(entries)
    if t is ast.InitPeerId:
        return ctx.params.init_peer_id
    if t is ast.EmptyArray:
        return []
    if t is ast.LastError:
        return V.apply_lens(ctx.errors.last, value.lens, ctx.scalar)  # type: ignore[union-attr]
    if t is ast.ErrorValue:
        return V.apply_lens(ctx.errors.error, value.lens, ctx.scalar)  # type: ignore[union-attr]
    if t is ast.Timestamp:
        return ctx.params.timestamp
    if t is ast.Ttl:
        return ctx.params.ttl
    raise TypeError(f"not an AIR value: {value!r}")


def resolve_string(ctx: ExecutionContext, value: ast.Value) -> str:
    """A peer id, service id or function name: must resolve to a string."""
    v = resolve(ctx, value)
    if type(v) is not str:
        raise Catchable(
            NON_STRING_IN_TRIPLET,
            f"call cannot resolve non-String triplet variable part `{value.render()}` with value '{V.to_json(v)}'",
        )
    return v
