"""What a builtin is given besides its arguments, and the shape every builtin has."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a service may know about the call: where it runs, for whom, and when.

    `deadline_ms` is when the particle expires (its timestamp plus ttl), or None where the
    host does not know it; `peer.timeout` never sleeps past it.
    """

    peer_id: str
    init_peer_id: str
    particle_id: str
    now_ms: int
    deadline_ms: int | None = None


Builtin = Callable[[list[Any], CallContext], Any]
"""A builtin function: (arguments, context) -> a JSON-like value, or a `Delayed` result;
raises `ServiceError` (ret_code 1, as a Fluence peer's builtins fail) with Fluence's text."""
