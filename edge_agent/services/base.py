"""What every service looks like to the particle loop: a handler and its failure.

A handler is called as ``handler(function_name, args)`` and returns a JSON-like value, or
raises `ServiceError` to fail the call with a ret_code. The loop turns a failure into
AquaVM's error 10000, ``Local service error, ret_code is N, error message is '<json>'``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge_agent.air.calls import RET_UNREACHABLE, CallResult
from edge_agent.errors import EdgeAgentError

__all__ = [
    "RET_BAD_REQUEST",
    "RET_MODULE_REFUSED",
    "RET_NOT_AUTHORISED",
    "RET_UNREACHABLE",
    "CallResult",
    "Delayed",
    "Handler",
    "ServiceError",
]

Handler = Callable[[str, list[Any]], Any]

# ret_codes the agent itself gives failed calls (a script sees them inside error 10000's
# message). 2-9 come from the Wasm host (`services.wasm.abi.CallErrorCode`); services use 1
# and 16 and up (the SDKs: 16 bad arguments, 17 out of memory, 32+ their own).
RET_MODULE_REFUSED = 12
"""srv.deploy: the module was refused (validation, instrumentation or loading)."""
RET_NOT_AUTHORISED = 13
"""A call the service's access rule does not admit, or srv.deploy / srv.remove / srv.enroll
from a peer this device does not trust."""
RET_BAD_REQUEST = 15
"""srv.*: the arguments make no sense (unknown limit, bad hash)."""


class ServiceError(EdgeAgentError):
    """A service refused or failed a call; `ret_code` is never 0. `ran` is False for a call
    that never started (it waited past its deadline for earlier calls): it says nothing of
    the service, so an update's watch does not count it."""

    def __init__(self, message: str, ret_code: int = 1, *, ran: bool = True) -> None:
        if ret_code == 0:
            raise ValueError("ret_code 0 means success; a ServiceError needs another code")
        super().__init__(message)
        self.message = message
        self.ret_code = ret_code
        self.ran = ran


@dataclass(frozen=True, slots=True)
class Delayed(CallResult):
    """A call's result that is due only `delay_ms` after the call was made (`peer.timeout`).

    The host hands it to the particle core on its own once it is due, and the other calls of
    the same run at once, as a Fluence peer runs each call as its own future: a timeout in
    one `par` branch never holds up the other branch. A host that ignores the delay still
    gets a correct (early) result, since this is a `CallResult`.
    """

    delay_ms: int = 0

    @classmethod
    def after(cls, delay_ms: int, value: Any) -> Delayed:
        """A success with `value`, due `delay_ms` (>= 0) from now."""
        return cls(0, value, "", max(0, int(delay_ms)))

    def now(self) -> CallResult:
        """The result itself, to hand over when it is due."""
        return CallResult(self.ret_code, self.value, self.message)
