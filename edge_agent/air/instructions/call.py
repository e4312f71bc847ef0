"""`(call peer (service function) [args] output)`: the only way a script reaches a service.

A call whose result is recorded replays it -- only if the peer the call is addressed to
recorded it (or, for error 14, the peer that could not reach it): a result written by
anyone else is a forgery. Otherwise, on its own peer it becomes a call
request for the host (and waits for the result); on another peer it names that peer as a
next hop, once per call instance (the `sent` record stops others forwarding it again; a
call requested on its own peer gets one too, so copies sent on while it is pending do not
come back for it, as AquaVM's "request sent by" state does). If
an argument is not there yet, a call that must run here waits: that is the join. (A call
for another peer is forwarded anyway, as AquaVM does; that peer waits in turn.)
"""

from __future__ import annotations

from typing import Any, NoReturn

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.calls import RET_UNREACHABLE
from edge_agent.air.context import CallRequest, ExecutionContext, VariableNotFound
from edge_agent.air.data import Entry, Kind
from edge_agent.air.errors import LOCAL_SERVICE_ERROR, Catchable, ExecutionError
from edge_agent.air.resolve import resolve, resolve_string


def service_error(ret_code: int, message: str) -> Catchable:
    """AquaVM's error 10000; the service's message appears as JSON text."""
    return Catchable(
        LOCAL_SERVICE_ERROR,
        f"Local service error, ret_code is {ret_code}, error message is '{V.quote(message)}'",
    )


_CALL_KINDS = (Kind.CALL, Kind.CALL_FAILED)


def _reported_unreachable(entry: Entry) -> bool:
    return entry.kind == Kind.CALL_FAILED and entry.value[0] == RET_UNREACHABLE


def execute(node: ast.Call, ctx: ExecutionContext) -> None:
    try:
        peer, service, function, args = _triplet(node, ctx)
    except VariableNotFound:
        ctx.complete = False
        return
    key = ctx.key(node)
    entry = ctx.data.entries.get(key)
    if entry is not None and (entry.peer == peer or not _reported_unreachable(entry)):
        # Only `peer` may record a result (anything else is a forgery), except error 14: the
        # peer that could not forward the particle there says so, under its own seal.
        entry = ctx.recorded(key, _CALL_KINDS, peer, node)
    fresh = entry is None
    if entry is None:
        if ctx.log is not None:
            ctx.log.missing.append(key)
        if ctx.capturing:
            ctx.absent(node, peer != ctx.params.current_peer_id)
        if peer != ctx.params.current_peer_id:
            if key not in ctx.data.sent:  # once per call instance: nobody forwards it again
                ctx.data.sent[key] = peer
                ctx.add_next_peer(peer, key)
            ctx.complete = False
            return
        entry = _call_here(ctx, key, service, function, args)
        if entry is None:
            ctx.complete = False  # waiting for an argument, or for the host's result
            return
    if entry.kind == Kind.CALL_FAILED:
        _fail(ctx, node, key, entry, fresh, peer)
    try:
        _write_output(ctx, node.output, key, entry, fresh)
    except ExecutionError as exc:
        ctx.errors.set_errors(exc, ast.render(node), ctx.params.current_peer_id, None, True)
        raise


def _triplet(node: ast.Call, ctx: ExecutionContext) -> tuple[str, str, str, list[Any] | None]:
    """Peer, service, function and the arguments (None while one is not there yet: only a
    call that runs here needs them now). VariableNotFound if the triplet is not there yet;
    another error is recorded in `%last_error%` as this call's."""
    try:
        peer = resolve_string(ctx, node.peer)
        service = resolve_string(ctx, node.service)
        function = resolve_string(ctx, node.function)
        if type(node.output) is ast.Scalar:
            ctx.scalars.check_settable(node.output.name, ctx.iterators)
        try:
            args: list[Any] | None = [resolve(ctx, a) for a in node.args]
        except VariableNotFound:
            args = None
    except VariableNotFound:
        raise
    except ExecutionError as exc:
        ctx.errors.set_errors(exc, ast.render(node), ctx.params.current_peer_id, None, True)
        raise
    return peer, service, function, args


def _call_here(
    ctx: ExecutionContext, key: str, service: str, function: str, args: list[Any] | None
) -> Entry | None:
    """The entry for a call on this peer that nothing recorded yet: from the host's result if
    it gave one; else None, after asking the host for it once the arguments are there."""
    if args is None:
        return None
    result = ctx.take_result(key)
    current = ctx.params.current_peer_id
    if result is None:
        ctx.call_requests.append(CallRequest(key, service, function, args))
        # Requested here (AquaVM's RequestSentBy): a peer that gets a copy before the result
        # must not forward the particle back here for it.
        ctx.data.sent.setdefault(key, current)
        return None
    if result.ret_code != 0:
        return Entry(Kind.CALL_FAILED, [result.ret_code, str(result.message)], current)
    try:
        V.check_value(result.value)
    except ValueError as exc:
        return Entry(Kind.CALL_FAILED, [1, f"the service returned an invalid value: {exc}"], current)
    return Entry(Kind.CALL, result.value, current)


def _fail(ctx: ExecutionContext, node: ast.Call, key: str, entry: Entry, fresh: bool, peer: str) -> NoReturn:
    """Raise the service's error for a failed call, recording a fresh failure first."""
    if fresh:
        ctx.record(key, entry)
        ctx.fresh_failures += 1
    else:
        ctx.complete = False  # AquaVM: a failure replayed from data leaves the subgraph incomplete
    ret_code, message = entry.value
    err = service_error(ret_code, message)
    ctx.errors.set_errors(err, ast.render(node), ctx.params.current_peer_id, peer, True)
    raise err


def _write_output(ctx: ExecutionContext, output: ast.Output, key: str, entry: Entry, fresh: bool) -> None:
    """Record a fresh result and give the value to the call's output (a scalar or a stream)."""
    if output is None:
        if fresh:
            ctx.record(key, entry)
    elif type(output) is ast.Scalar:
        if fresh:
            ctx.record(key, entry)
        ctx.scalars.set(output.name, entry.value)
    elif fresh:
        ctx.record_to_stream(output.name, key, entry)
    else:
        ctx.replay_to_stream(output.name, key, entry, entry.value)
