"""The services the *init peer* of a particle serves, by Aqua's conventions.

Compiled Aqua reads its arguments with `getDataSrv.<name>` (`-relay-` gives the relay),
returns through `callbackSrv.response` and reports uncaught errors to
`errorHandlingSrv.error`. The simulator and the CLI both serve them with this class.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from edge_agent.services.base import ServiceError

CLIENT_SERVICES = frozenset({"getDataSrv", "callbackSrv", "errorHandlingSrv"})


class ClientServices:
    """Arguments in; responses and errors collected, in arrival order.

    `callbacks` serve an Aqua function's callback arguments: `callbackSrv.<name>` calls
    `callbacks[name](*args)` and gives its return value back to the script."""

    def __init__(self, data: dict[str, Any] | None, relay: str,
                 callbacks: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self.data = dict(data or {})
        self.relay = relay
        self.callbacks = dict(callbacks or {})
        self.responses: list[list[Any]] = []
        self.errors: list[list[Any]] = []

    def handles(self, service: str) -> bool:
        return service in CLIENT_SERVICES

    def call(self, service: str, function: str, args: list[Any]) -> Any:
        if service == "getDataSrv":
            if function == "-relay-":
                return self.relay
            if function not in self.data:
                raise ServiceError(f"getDataSrv: no data for '{function}'")
            return self.data[function]
        if service == "callbackSrv" and function == "response":
            self.responses.append(list(args))
            return {}
        if service == "callbackSrv" and function in self.callbacks:
            result = self.callbacks[function](*args)
            return {} if result is None else result
        if service == "errorHandlingSrv" and function == "error":
            self.errors.append(list(args))
            return {}
        raise ServiceError(f"No service found for service call: serviceId='{service}', fnName='{function}'")
