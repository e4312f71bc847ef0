"""The worker's side of the service ABI: reply decoding and the agent <-> worker pipe frames.

Split out of `abi` so that the Wasm worker process imports only this, cbor2 and the
standard library's small modules (no dataclasses/inspect, no AIR, no asyncio): each worker
is a separate Python process on a board with 512 MB, and every module it imports is resident
in every worker (docs/install.md, memory). `abi` re-exports every public name here; the
agent keeps importing them from `abi`. tests/services/wasm/test_worker_imports.py fails if
the worker's import graph grows a heavy module again.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import cbor2

from edge_agent import const
from edge_agent.cborutil import CBORError, loads_one


class ReplyError(ValueError):
    """A CBOR reply that breaks the ABI; the message says how."""


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


def numeric_result(value: Any) -> int | float | None:
    """A numeric export's result as an AIR value; non-finite floats raise `ReplyError`."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ReplyError(f"returned {value!r}, which an AIR value (JSON) cannot carry")
    return value


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

    def feed(self, data: bytes | memoryview) -> list[Any]:
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
