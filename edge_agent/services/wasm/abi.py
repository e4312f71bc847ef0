"""The service ABI v1 (docs/service-abi.md) as pure functions, and the worker pipe codec.

Argument checking for numeric exports, CBOR argument encoding, reply decoding into AIR
values, the error codes a failed call carries, and the length-prefixed CBOR frames spoken
between the agent and its worker processes. Pure: no I/O, no wasm3, no asyncio; the worker
and the host both import it, and its tests run without a process.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

from edge_agent import const
from edge_agent.cborutil import CBORError, loads_one

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
    """The host could not run the call (worker failed to start, service failed to reload)."""


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


class ReplyError(ValueError):
    """A CBOR reply that breaks the ABI; the message says how."""


# --- Numeric functions ---------------------------------------------------------------------


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:20] + "..."
        return f"the string {shown!r}"
    if isinstance(value, (list, tuple)):
        return f"an array of {len(value)}"
    if isinstance(value, dict):
        return f"a map of {len(value)}"
    return f"a {type(value).__name__}"


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


def numeric_result(value: Any) -> int | float | None:
    """A numeric export's result as an AIR value; non-finite floats raise `ReplyError`."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ReplyError(f"returned {value!r}, which an AIR value (JSON) cannot carry")
    return value


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


def decode_reply(data: bytes, max_depth: int = const.MAX_VALUE_DEPTH) -> tuple[bool, Any, int]:
    """A CBOR reply as ``(True, value, 0)`` or ``(False, message, code)``; else `ReplyError`.

    ``{"ok": VALUE}`` succeeds; ``{"err": "message"}`` or ``{"err": "message", "code": N}``
    fails with N (default 1, never 0). Byte strings become arrays of numbers.
    """
    try:
        raw = loads_one(data)
    except CBORError as exc:
        if isinstance(exc.__cause__, RecursionError):
            raise ReplyError(f"the reply is nested deeper than {max_depth} levels") from None
        raise ReplyError(f"the reply is not valid CBOR ({exc})") from None
    if not isinstance(raw, dict):
        raise ReplyError(
            f'the reply must be a map {{"ok": ...}} or {{"err": ...}}, not {_describe(raw)}'
        )
    keys = set(raw)
    if keys == {"ok"}:
        return True, to_air_value(raw["ok"], max_depth), 0
    if "err" in keys and keys <= {"err", "code"}:
        message = raw["err"]
        if not isinstance(message, str):
            raise ReplyError(f'"err" must be text, not {_describe(message)}')
        code = raw.get("code", 1)
        if (
            isinstance(code, bool)
            or not isinstance(code, int)
            or code == 0
            or not -(2**31) <= code < 2**31
        ):
            raise ReplyError(f'"code" must be a non-zero 32-bit integer, not {_describe(code)}')
        return False, message, code
    shown = ", ".join(sorted(repr(k) for k in keys)[:5])
    raise ReplyError(
        f'the reply map must have "ok", or "err" and maybe "code"; it has {shown or "nothing"}'
    )


def to_air_value(value: Any, max_depth: int = const.MAX_VALUE_DEPTH) -> Any:
    """A decoded CBOR item as a JSON-like AIR value, or `ReplyError`.

    Bytes become lists of ints; maps need text keys; floats must be finite; integers must fit
    -2^63..2^64-1; tags other than bignums, undefined and simple values are refused.
    """
    return _convert(value, max_depth)


def _convert(value: Any, depth: int) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:
            raise ReplyError(f"the reply has an integer outside -2^63..2^64-1: {value}")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ReplyError(f"the reply has {value!r}, which an AIR value (JSON) cannot carry")
        return value
    if isinstance(value, (bytes, bytearray)):
        return list(value)
    if depth <= 0:
        raise ReplyError("the reply is nested too deeply")
    if isinstance(value, list):
        return [_convert(item, depth - 1) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ReplyError(f"the reply has a map key that is not text: {_describe(key)}")
            out[key] = _convert(item, depth - 1)
        return out
    raise ReplyError(f"the reply has a CBOR item AIR values cannot carry: {type(value).__name__}")


def unpack_reply_pointer(packed: int) -> tuple[int, int]:
    """``(ptr, len)`` from a CBOR function's i64 result ``(ptr << 32) | len``."""
    packed &= 0xFFFF_FFFF_FFFF_FFFF
    return packed >> 32, packed & 0xFFFF_FFFF


# --- Worker pipe codec ---------------------------------------------------------------------
# A frame is a 4-byte big-endian length, then one CBOR item (an array whose first element
# names the operation or the outcome). The length is checked before the body is read.

_HEADER = struct.Struct(">I")
HEADER_BYTES = _HEADER.size

# Requests (agent -> worker)
OP_LOAD = "load"
OP_CALL = "call"
OP_REMOVE = "remove"
OP_STATS = "stats"
OP_EXIT = "exit"

# Outcomes (worker -> agent)
READY = "ready"
OK = "ok"
FAIL = "fail"

# Failure kinds a worker reports
FAIL_TRAP = "trap"
FAIL_FUEL = "fuel"
FAIL_STACK = "stack"
FAIL_REPLY = "reply"
FAIL_SERVICE = "service"
FAIL_ARGS = "args"
FAIL_NOT_FOUND = "not-found"
FAIL_LOAD = "load"


def encode_frame(message: Any) -> bytes:
    """One frame: length prefix + CBOR body."""
    body = cbor2.dumps(message)
    return _HEADER.pack(len(body)) + body


class FrameError(ValueError):
    """The peer on the pipe sent a frame we cannot accept (too large or not CBOR)."""


class FrameReader:
    """Accumulates bytes from a pipe and yields whole decoded frames; bounded by `max_frame`."""

    __slots__ = ("_buf", "_max")

    def __init__(self, max_frame: int = const.WASM_MAX_FRAME_BYTES) -> None:
        self._buf = bytearray()
        self._max = max_frame

    def feed(self, data: bytes) -> list[Any]:
        """Add bytes; return the frames now complete (possibly none)."""
        buf = self._buf
        buf += data
        out: list[Any] = []
        while len(buf) >= HEADER_BYTES:
            (size,) = _HEADER.unpack_from(buf)
            if size > self._max:
                raise FrameError(f"frame of {size} bytes exceeds the limit of {self._max}")
            end = HEADER_BYTES + size
            if len(buf) < end:
                break
            try:
                out.append(loads_one(bytes(buf[HEADER_BYTES:end])))
            except CBORError as exc:
                raise FrameError(f"frame is not valid CBOR ({exc})") from None
            del buf[:end]
        return out

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a whole frame."""
        return len(self._buf)

    def clear(self) -> None:
        self._buf.clear()


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
