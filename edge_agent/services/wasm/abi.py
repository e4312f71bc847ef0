"""The service ABI v1 (docs/service-abi.md) as pure functions, and the worker pipe codec.

Argument checking for numeric exports, CBOR argument encoding, reply decoding into AIR
values, the error codes a failed call carries, and the length-prefixed CBOR frames spoken
between the agent and its worker processes. Pure: no I/O, no wasm3, no asyncio; its tests run
without a process. The part the worker needs (reply decoding, frames) lives in `wire`, which
the worker imports alone to stay small; every name of `wire` is re-exported here.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

# The worker's side of the ABI lives in `wire` (the worker imports only that); re-exported here.
from edge_agent.services.wasm.wire import FAIL as FAIL
from edge_agent.services.wasm.wire import FAIL_ARGS as FAIL_ARGS
from edge_agent.services.wasm.wire import FAIL_FUEL as FAIL_FUEL
from edge_agent.services.wasm.wire import FAIL_LOAD as FAIL_LOAD
from edge_agent.services.wasm.wire import FAIL_NOT_FOUND as FAIL_NOT_FOUND
from edge_agent.services.wasm.wire import FAIL_REPLY as FAIL_REPLY
from edge_agent.services.wasm.wire import FAIL_SERVICE as FAIL_SERVICE
from edge_agent.services.wasm.wire import FAIL_STACK as FAIL_STACK
from edge_agent.services.wasm.wire import FAIL_TRAP as FAIL_TRAP
from edge_agent.services.wasm.wire import HEADER_BYTES as HEADER_BYTES
from edge_agent.services.wasm.wire import OK as OK
from edge_agent.services.wasm.wire import OP_CALL as OP_CALL
from edge_agent.services.wasm.wire import OP_EXIT as OP_EXIT
from edge_agent.services.wasm.wire import OP_LOAD as OP_LOAD
from edge_agent.services.wasm.wire import OP_REMOVE as OP_REMOVE
from edge_agent.services.wasm.wire import OP_STATS as OP_STATS
from edge_agent.services.wasm.wire import READY as READY
from edge_agent.services.wasm.wire import FrameError as FrameError
from edge_agent.services.wasm.wire import FrameReader as FrameReader
from edge_agent.services.wasm.wire import ReplyError as ReplyError
from edge_agent.services.wasm.wire import _describe
from edge_agent.services.wasm.wire import decode_reply as decode_reply
from edge_agent.services.wasm.wire import encode_frame as encode_frame
from edge_agent.services.wasm.wire import numeric_result as numeric_result
from edge_agent.services.wasm.wire import to_air_value as to_air_value
from edge_agent.services.wasm.wire import unpack_reply_pointer as unpack_reply_pointer

ABI_VERSION = 1
"""The ABI version this host implements (custom section ``edge-agent.abi``)."""

ABI_SECTION = "edge-agent.abi"
"""Name of the custom section that declares the ABI version."""

RESERVED_EXPORTS = frozenset({"memory", "ea_alloc", "ea_free"})
"""Exports the host uses itself; a script cannot call them."""

RESERVED_PREFIX = "__ea_"
"""Prefix of names the host's instrumentation adds; a script cannot call them."""

# Numeric value types (WebAssembly core spec §5.3.1, binary encodings 0x7F..0x7C).
I32, I64, F32, F64 = "i32", "i64", "f32", "f64"
NUMERIC_TYPES = (I32, I64, F32, F64)
_TYPE_BY_CODE = {0x7F: I32, 0x7E: I64, 0x7D: F32, 0x7C: F64}

_INT_RANGE = {
    I32: (-(2**31), 2**32 - 1),
    I64: (-(2**63), 2**64 - 1),
}
_F32_MAX = 3.4028234663852886e38


class FunctionKind(enum.Enum):
    """How a script calls an export (docs/service-abi.md, "Two kinds of functions")."""

    NUMERIC = "numeric"
    CBOR = "cbor"


class CallErrorCode(enum.IntEnum):
    """ret_code of a call the host failed (the service's own errors carry the service's code).

    Codes 2..15 are reserved for the host; a service reports its errors with 1 or >= 16.
    """

    SERVICE = 1
    """The service answered ``{"err": ...}`` without a code."""
    ARGUMENTS = 2
    """Wrong number, type or size of arguments; nothing ran."""
    NOT_FOUND = 3
    """No such service or function."""
    TRAP = 4
    """The module trapped (unreachable, out-of-bounds access, stack overflow, ...)."""
    OUT_OF_FUEL = 5
    """The call used up its fuel."""
    DEADLINE = 6
    """The call passed its wall-clock deadline; the worker was killed and replaced."""
    CRASHED = 7
    """The worker process died during the call; it was replaced."""
    BAD_REPLY = 8
    """The service's reply broke the ABI (bad pointer, too large, not CBOR, wrong shape)."""
    UNAVAILABLE = 9
    """The host could not run the call (worker failed to start, service failed to reload, or
    as many calls of the service as it may have are in progress already)."""


def val_type(value: object) -> str:
    """A value type as "i32"/"i64"/"f32"/"f64", from that string or its binary encoding."""
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in NUMERIC_TYPES:
            return lowered
    elif isinstance(value, int) and value in _TYPE_BY_CODE:
        return _TYPE_BY_CODE[value]
    name = getattr(value, "name", None) or getattr(value, "value", None)
    if isinstance(name, str) and name.lower() in NUMERIC_TYPES:
        return name.lower()
    raise ValueError(f"not a numeric Wasm value type: {value!r}")


@dataclass(frozen=True, slots=True)
class FunctionSig:
    """A callable export: its kind and numeric signature."""

    name: str
    kind: FunctionKind
    params: tuple[str, ...]
    results: tuple[str, ...]

    def __post_init__(self) -> None:
        for t in (*self.params, *self.results):
            if t not in NUMERIC_TYPES:
                raise ValueError(f"function {self.name}: not a numeric type {t!r}")

    def describe(self) -> str:
        if self.kind is FunctionKind.CBOR:
            return f"{self.name}(CBOR arguments) -> CBOR reply"
        res = ", ".join(self.results) if self.results else "nothing"
        return f"{self.name}({', '.join(self.params)}) -> {res}"


def is_cbor_signature(params: Sequence[str], results: Sequence[str]) -> bool:
    """True for ``(i32 ptr, i32 len) -> i64``, the shape of a CBOR function."""
    return tuple(params) == (I32, I32) and tuple(results) == (I64,)


def is_callable_export(name: str) -> bool:
    """False for the exports the host reserves for itself."""
    return name not in RESERVED_EXPORTS and not name.startswith(RESERVED_PREFIX)


class ArgumentError(ValueError):
    """Arguments that do not fit the function; the message says which and why."""


# --- Numeric functions ---------------------------------------------------------------------


def check_numeric_args(
    function: str, params: Sequence[str], args: Sequence[Any]
) -> list[int | float]:
    """The arguments as wasm3 must receive them, or `ArgumentError`.

    Exactly one argument per parameter. Integers must fit the parameter (i32: -2^31..2^32-1,
    i64: -2^63..2^64-1) and are passed as two's complement; f32/f64 take integers or finite
    floats (f32 within its range). A bool is not a number. Never truncates.
    """
    if not isinstance(args, (list, tuple)):
        raise ArgumentError(f"{function} takes a list of arguments, not {_describe(args)}")
    if len(args) != len(params):
        plural = "argument" if len(params) == 1 else "arguments"
        raise ArgumentError(
            f"{function} takes {len(params)} {plural} ({', '.join(params) or 'none'}), "
            f"got {len(args)}"
        )
    out: list[int | float] = []
    for index, (param, arg) in enumerate(zip(params, args, strict=False), start=1):
        out.append(_numeric_arg(function, index, param, arg))
    return out


def _numeric_arg(function: str, index: int, param: str, arg: Any) -> int | float:
    where = f"argument {index} of {function}"
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise ArgumentError(f"{where} must be a number ({param}), got {_describe(arg)}")
    if param in _INT_RANGE:
        if not isinstance(arg, int):
            raise ArgumentError(f"{where} must be an integer ({param}), got {_describe(arg)}")
        low, high = _INT_RANGE[param]
        if not low <= arg <= high:
            raise ArgumentError(f"{where} is outside the {param} range {low}..{high}: {arg}")
        bits = 32 if param == I32 else 64
        return arg - (1 << bits) if arg >= 1 << (bits - 1) else arg
    try:
        number = float(arg)
    except OverflowError:
        raise ArgumentError(f"{where} is too large for {param}: {arg}") from None
    if not math.isfinite(number):
        raise ArgumentError(f"{where} must be a finite number ({param}), got {arg!r}")
    if param == F32 and abs(number) > _F32_MAX:
        raise ArgumentError(f"{where} is too large for f32: {arg!r}")
    return number


# --- CBOR functions ------------------------------------------------------------------------


def encode_args(function: str, args: Sequence[Any], max_bytes: int) -> bytes:
    """The argument list as one CBOR array (RFC 8949), or `ArgumentError` if too large or not JSON-like."""
    if not isinstance(args, (list, tuple)):
        raise ArgumentError(f"{function} takes a list of arguments, not {_describe(args)}")
    try:
        data = cbor2.dumps(list(args))
    except (TypeError, ValueError, cbor2.CBOREncodeError) as exc:
        raise ArgumentError(f"arguments of {function} are not JSON-like values: {exc}") from None
    if len(data) > max_bytes:
        raise ArgumentError(
            f"arguments of {function} take {len(data)} bytes as CBOR; the limit is {max_bytes}"
        )
    return data


def log_lines(entries: Iterable[Any]) -> list[tuple[int, str]]:
    """ea_log entries from a worker as ``(level 0..3, text)``; anything else is dropped."""
    out = []
    for entry in entries:
        if (
            isinstance(entry, (list, tuple))
            and len(entry) == 2
            and isinstance(entry[0], int)
            and isinstance(entry[1], str)
        ):
            out.append((min(max(entry[0], 0), 3), entry[1]))
    return out
