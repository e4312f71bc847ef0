"""The services every peer offers: aqua-lib's builtins, as a Fluence peer answers them.

One module per service id: `op`, `peer`, `math`, `cmp`, `array`, `debug` -- the services of
aqua-lib 0.10's builtin.aqua and math.aqua that make sense on a LAN agent (docs/air.md lists
the functions and what is left out). Names, argument rules, results and error texts follow
Fluence's Rust peer (nox); each module says where Fluence's JS peer (js-client) differs.

Builtins are pure functions of the call's arguments and a `CallContext`: no I/O and no
waiting. `peer.timeout` returns a `Delayed` result, which the host (node or simulator)
hands back when it is due. `call_builtin` is the one way in, for nodes and the simulator.
"""

from __future__ import annotations

from typing import Any

from edge_agent.services.base import ServiceError
from edge_agent.services.builtins import array, cmp, debug, math, op, peer
from edge_agent.services.builtins.context import Builtin, CallContext

__all__ = ["BUILTINS", "Builtin", "CallContext", "call_builtin", "no_service"]

BUILTINS: dict[str, dict[str, Builtin]] = {
    "op": op.FUNCTIONS,
    "peer": peer.FUNCTIONS,
    "math": math.FUNCTIONS,
    "cmp": cmp.FUNCTIONS,
    "array": array.FUNCTIONS,
    "debug": debug.FUNCTIONS,
}
"""service id -> function name -> builtin."""


def no_service(service: str, function: str) -> ServiceError:
    """The error of a call no service answers (js-client's text; nox words it otherwise)."""
    return ServiceError(f"No service found for service call: serviceId='{service}', fnName='{function}'")


def call_builtin(service: str, function: str, args: list[Any], ctx: CallContext) -> Any:
    """Run a builtin; raises ServiceError for an unknown one, as for any missing service."""
    fn = BUILTINS.get(service, {}).get(function)
    if fn is None:
        raise no_service(service, function)
    return fn(args, ctx)
