"""What every service looks like to the particle loop: a handler and its failure.

A handler is called as ``handler(function_name, args)`` and returns a JSON-like value, or
raises `ServiceError` to fail the call with a ret_code. The loop turns a failure into
AquaVM's error 10000, ``Local service error, ret_code is N, error message is '<json>'``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge_agent.errors import EdgeAgentError

Handler = Callable[[str, list[Any]], Any]


class ServiceError(EdgeAgentError):
    """A service refused or failed a call; `ret_code` is never 0."""

    def __init__(self, message: str, ret_code: int = 1) -> None:
        if ret_code == 0:
            raise ValueError("ret_code 0 means success; a ServiceError needs another code")
        super().__init__(message)
        self.message = message
        self.ret_code = ret_code


@dataclass(frozen=True, slots=True)
class CallResult:
    """The outcome of one service call: ret_code 0 with a value, or a code and a message."""

    ret_code: int
    value: Any = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.ret_code == 0

    @classmethod
    def success(cls, value: Any) -> CallResult:
        return cls(0, value)

    @classmethod
    def failure(cls, message: str, ret_code: int = 1) -> CallResult:
        return cls(ret_code, None, message)
