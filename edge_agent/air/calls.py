"""What passes between the interpreter and the services it calls: requests out, results in.

The interpreter asks its host for calls (`CallRequest`) and is given their outcomes
(`CallResult`); the host (node, simulator) decides how to run them. These types belong to
the language, so the service layer imports them from here and never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

RET_UNREACHABLE = 14
"""ret_code of a call whose peer could not be reached before the particle's deadline.

The only failure a peer may record for a call addressed to *another* peer: the one that
tried to forward the particle reports it, signed by itself (see `instructions/call.py`).
"""


@dataclass(frozen=True, slots=True)
class CallRequest:
    """A local service call the host must make, then report back under `key`."""

    key: str
    service: str
    function: str
    args: list[Any]


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
