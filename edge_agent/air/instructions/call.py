"""`(call peer (service function) [args] output)`: the only way a script reaches a service.

A call whose result is recorded replays it. Otherwise, on its own peer it becomes a call
request for the host (and waits for the result); on another peer it names that peer as a
next hop, once per call instance (the `sent` record stops others forwarding it again). If
an argument is not there yet, a call that must run here waits: that is the join. (A call
for another peer is forwarded anyway, as AquaVM does; that peer waits in turn.)
"""

from __future__ import annotations

from typing import Any

from edge_agent.air import ast
from edge_agent.air import values as V
from edge_agent.air.context import CallRequest, ExecutionContext, VariableNotFound
from edge_agent.air.data import Entry, Kind
from edge_agent.air.errors import LOCAL_SERVICE_ERROR, Catchable, ExecutionError
from edge_agent.air.resolve import resolve, resolve_string


def service_error(ret_code: int, message: str) -> Catchable:
    """AquaVM's error 10000; the service's message appears as JSON text."""
    return Catchable(
        LOCAL_SERVICE_ERROR,
        f"Local service error, ret_code is {ret_code}, error message is '{V.to_json(message)}'",
    )


def execute(node: ast.Call, ctx: ExecutionContext) -> None:
    current = ctx.params.current_peer_id
    render = ast.render
    try:
        peer = resolve_string(ctx, node.peer)
        service = resolve_string(ctx, node.service)
        function = resolve_string(ctx, node.function)
        if type(node.output) is ast.Scalar:
            ctx.scalars.check_settable(node.output.name, ctx.iterators)
        try:
            args: list[Any] | None = [resolve(ctx, a) for a in node.args]
        except VariableNotFound:
            args = None  # only a call that runs here needs its arguments now
    except VariableNotFound:
        ctx.complete = False
        return
    except ExecutionError as exc:
        ctx.errors.set_errors(exc, render(node), current, None, True)
        raise

    key = ctx.key(node)
    entry = ctx.data.entries.get(key)
    fresh = entry is None
    if entry is None:
        if peer != current:
            if key not in ctx.data.sent:
                ctx.data.sent[key] = peer
                ctx.add_next_peer(peer, key)
            ctx.complete = False
            return
        if args is None:
            ctx.complete = False
            return
        result = ctx.take_result(key)
        if result is None:
            ctx.call_requests.append(CallRequest(key, service, function, args))
            ctx.complete = False
            return
        if result.ret_code == 0:
            try:
                V.check_value(result.value)
                entry = Entry(Kind.CALL, result.value, current)
            except ValueError as exc:
                entry = Entry(Kind.CALL_FAILED, [1, f"the service returned an invalid value: {exc}"], current)
        else:
            entry = Entry(Kind.CALL_FAILED, [result.ret_code, str(result.message)], current)

    if entry.kind == Kind.CALL_FAILED:
        if fresh:
            ctx.record(key, entry)
        else:
            ctx.complete = False  # AquaVM: a failure replayed from data leaves the subgraph incomplete
        ret_code, message = entry.value
        err = service_error(ret_code, message)
        ctx.errors.set_errors(err, render(node), current, entry.peer, True)
        raise err

    output = node.output
    try:
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
    except ExecutionError as exc:
        ctx.errors.set_errors(exc, render(node), current, None, True)
        raise
