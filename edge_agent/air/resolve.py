"""Turn a value written in a script into the JSON value it stands for in this run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import ExecutionContext
from edge_agent.air.errors import NON_STRING_IN_TRIPLET, Catchable


def resolve(ctx: ExecutionContext, value: ast.Value) -> Any:
    """The value now; raises VariableNotFound if a variable has none yet (the caller may wait)."""
    # What nearly every call names (a service, a function, a peer) skips the table.
    if type(value) is ast.Literal:
        return value.value
    if type(value) is ast.Scalar and not value.lens and not value.length:
        return ctx.scalar(value.name)
    if type(value) is ast.InitPeerId:
        return ctx.params.init_peer_id
    try:
        resolver = _RESOLVERS[type(value)]
    except KeyError:
        raise TypeError(f"not an AIR value: {value!r}") from None
    return resolver(ctx, value)


def resolve_string(ctx: ExecutionContext, value: ast.Value) -> str:
    """A peer id, service id or function name: must resolve to a string."""
    # Services and functions are nearly always named by literals: one call fewer per call.
    v = value.value if type(value) is ast.Literal else resolve(ctx, value)
    if type(v) is not str:
        raise Catchable(
            NON_STRING_IN_TRIPLET,
            f"call cannot resolve non-String triplet variable part `{value.render()}` "
            f"with value '{V.quote(v)}'",
        )
    return v


def _constant(ctx: ExecutionContext, value: ast.Literal | ast.Number | ast.Boolean) -> Any:
    return value.value


def _scalar(ctx: ExecutionContext, value: ast.Scalar) -> Any:
    v = ctx.scalar(value.name)
    if value.lens:
        v = V.apply_lens(v, value.lens, ctx.scalar)
    if value.length:
        return V.length_of(v)
    return v


def _canon(ctx: ExecutionContext, value: ast.CanonStream | ast.CanonStreamMap) -> Any:
    """A canon stream is read as an array, a canon stream map as an object of key -> [values]."""
    items = ctx.canons.get(value.name)
    if value.length:
        return len(items)
    if type(value) is ast.CanonStream:
        return V.apply_canon_lens(items, value.lens, ctx.scalar) if value.lens else list(items)
    return V.apply_canon_map_lens(items, value.lens, ctx.scalar) if value.lens else V.canon_map_object(items)


def _last_error(ctx: ExecutionContext, value: ast.LastError) -> Any:
    return V.apply_lens(ctx.errors.last, value.lens, ctx.scalar)


def _error_value(ctx: ExecutionContext, value: ast.ErrorValue) -> Any:
    return V.apply_lens(ctx.errors.error, value.lens, ctx.scalar)


_RESOLVERS: dict[type, Callable[[ExecutionContext, Any], Any]] = {
    ast.Literal: _constant,
    ast.Number: _constant,
    ast.Boolean: _constant,
    ast.Scalar: _scalar,
    ast.CanonStream: _canon,
    ast.CanonStreamMap: _canon,
    ast.EmptyArray: lambda ctx, _: [],
    ast.LastError: _last_error,
    ast.ErrorValue: _error_value,
    ast.Timestamp: lambda ctx, _: ctx.params.timestamp,
    ast.Ttl: lambda ctx, _: ctx.params.ttl,
}
"""Value class -> how to read it in this run. Literals, plain scalars and %init_peer_id% take
resolve's fast path first; streams and stream maps are not values (no entry)."""
