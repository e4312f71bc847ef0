"""Services every peer offers: `op.*` (data helpers) and `peer.*` (who and when am I).

Their results follow Fluence's js-client builtins, so Aqua code that uses them reads the
same here. They are pure functions of the call and a `CallContext`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge_agent.air.values import to_json
from edge_agent.services.base import ServiceError


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a service may know about the call: where it runs, for whom, and when."""

    peer_id: str
    init_peer_id: str
    particle_id: str
    now_ms: int


Builtin = Callable[[list[Any], CallContext], Any]


def no_service(service: str, function: str) -> ServiceError:
    return ServiceError(f"No service found for service call: serviceId='{service}', fnName='{function}'")


def _identity(args: list[Any], ctx: CallContext) -> Any:
    return args[0] if args else {}


def _array_length(args: list[Any], ctx: CallContext) -> Any:
    if not args or type(args[0]) is not list:
        raise ServiceError("array_length: argument is not an array")
    return len(args[0])


def _concat(args: list[Any], ctx: CallContext) -> Any:
    out: list[Any] = []
    for a in args:
        if type(a) is list:
            out.extend(a)
        else:
            out.append(a)
    return out


def _concat_strings(args: list[Any], ctx: CallContext) -> Any:
    return "".join(a if type(a) is str else to_json(a) for a in args)


BUILTINS: dict[str, dict[str, Builtin]] = {
    "op": {
        "noop": lambda args, ctx: {},
        "identity": _identity,
        "array": lambda args, ctx: list(args),
        "array_length": _array_length,
        "concat": _concat,
        "concat_strings": _concat_strings,
    },
    "peer": {
        "identify": lambda args, ctx: {"peer_id": ctx.peer_id},
        "timestamp_ms": lambda args, ctx: ctx.now_ms,
        "timestamp_sec": lambda args, ctx: ctx.now_ms // 1000,
    },
}


def call_builtin(service: str, function: str, args: list[Any], ctx: CallContext) -> Any:
    """Run a builtin; raises ServiceError for an unknown one, as for any missing service."""
    fn = BUILTINS.get(service, {}).get(function)
    if fn is None:
        raise no_service(service, function)
    return fn(args, ctx)
