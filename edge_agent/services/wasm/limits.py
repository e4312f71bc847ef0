"""Per-service limits of the Wasm host: one frozen value, checked when it is built.

Pure: no I/O, no wasm3. The host passes a `Limits` to the validator (module size, memory),
the instrumenter's fuel counter (fuel) and the worker (stack, argument and reply sizes); the
parent enforces the deadline by killing the worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from edge_agent import const
from edge_agent.errors import ConfigError

WASM_PAGE_BYTES = 64 * 1024
"""Size of one Wasm memory page (WebAssembly core spec §2.5.5), in bytes."""

MAX_PAGES = 65_536
"""Most pages a 32-bit memory can declare (4 GiB), core spec §2.5.5 / §3.2.8. Here, not in
`binary`, so that the host imports no Wasm parser until the first deploy."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What one service may use; every field has a default from `edge_agent.const`.

    - ``fuel``: metered instructions per call; running out is the call error
      "out of fuel (limit N instructions)".
    - ``memory_pages``: the module's declared memory maximum must be at most this
      (64 KiB pages); checked at deploy.
    - ``deadline_ms``: wall-clock time per call; past it the worker is killed and
      replaced, and the call fails with "deadline of N ms exceeded".
    - ``max_module_bytes``: largest module accepted at deploy.
    - ``stack_bytes``: wasm3 value stack; deep recursion fails with "stack overflow".
    - ``max_args_bytes`` / ``max_reply_bytes``: CBOR arguments and reply size bounds.
    """

    fuel: int = const.DEFAULT_WASM_FUEL
    memory_pages: int = const.DEFAULT_WASM_MEMORY_PAGES
    deadline_ms: int = const.DEFAULT_WASM_DEADLINE_MS
    max_module_bytes: int = const.DEFAULT_MAX_MODULE_BYTES
    stack_bytes: int = const.DEFAULT_WASM_STACK_BYTES
    max_args_bytes: int = const.DEFAULT_WASM_MAX_ARGS_BYTES
    max_reply_bytes: int = const.DEFAULT_WASM_MAX_REPLY_BYTES

    def __post_init__(self) -> None:
        _check("fuel", self.fuel, 1, const.MAX_WASM_FUEL)
        _check("memory_pages", self.memory_pages, 0, MAX_PAGES)
        _check("deadline_ms", self.deadline_ms, 1, const.MAX_WASM_DEADLINE_MS)
        _check("max_module_bytes", self.max_module_bytes, 8, const.WASM_MAX_FRAME_BYTES // 2)
        _check("stack_bytes", self.stack_bytes, 4096, const.MAX_WASM_STACK_BYTES)
        _check("max_args_bytes", self.max_args_bytes, 1, const.WASM_MAX_FRAME_BYTES // 2)
        _check("max_reply_bytes", self.max_reply_bytes, 16, const.WASM_MAX_FRAME_BYTES // 2)

    @classmethod
    def from_mapping(
        cls, values: Mapping[str, Any] | None = None, base: Limits | None = None
    ) -> Limits:
        """`base` (default: the defaults) with the given fields replaced; unknown keys are an error."""
        base = base if base is not None else cls()
        if not values:
            return base
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(
                f"unknown Wasm limit {', '.join(map(repr, unknown))}; "
                f"known limits are {', '.join(sorted(known))}"
            )
        return replace(base, **dict(values))

    @property
    def deadline_s(self) -> float:
        return self.deadline_ms / 1000.0


def _check(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"Wasm limit {name} must be an integer, not {type(value).__name__}")
    if not low <= value <= high:
        raise ConfigError(f"Wasm limit {name}={value} is outside {low}..{high}")
