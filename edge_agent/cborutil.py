"""Decode exactly one CBOR item, the same way with either cbor2 implementation.

cbor2 stops after the first item and ignores what follows, and it reads a break code (0xff)
outside an indefinite-length item as a "break marker" object — alone (`ff`), as an array
element (`81 ff`), as a map key or value (`a1 61 61 ff`) — with its C extension and in pure
Python alike; both also take the two-byte form of a simple value below 32 (`f8 00`) for a
value. RFC 8949 calls neither well-formed. Bytes from a stranger must be one well-formed
item and nothing else, so after cbor2 has decoded them, a small scanner checks their
structure whenever they hold a byte cbor2 may let through (0xff or 0xf8 anywhere); bytes
without one cost a byte search only.

`dumps` and `dumps_canonical` are cbor2's ``dumps`` (and with ``canonical=True``) byte for
byte, on an encoder kept per thread: cbor2 builds an encoder per call, over half the cost of
encoding the small maps and lists a particle's every hop signs, seals and sends.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import cbor2

# What the innermost open item still expects, kept in a local and a stack: a definite-length
# array or map or a tag waits for a count of items (a positive int); an indefinite-length
# item waits for a break code (one of the negative codes); _DONE is below the outermost item.
_DONE = 0
_ANY_UNTIL_BREAK = -1  # indefinite array
_KEY_OR_BREAK = -2  # indefinite map, before a key
_VALUE = -3  # indefinite map, after a key: a break here would leave a key without its value
_BYTES_CHUNKS = -4  # indefinite byte string: definite byte strings until the break
_TEXT_CHUNKS = -5  # indefinite text string: definite text strings until the break

# What each initial byte starts (RFC 8949 §3), and how many argument bytes follow it.
_SCALAR, _STRING, _OPEN, _BREAK, _BAD = range(5)


def _head_tables() -> tuple[bytes, bytes]:
    """For every initial byte: its kind (above), and its argument's size in bytes."""
    kinds, sizes = bytearray(256), bytearray(256)
    for initial in range(256):
        major, info = initial >> 5, initial & 0x1F
        sizes[initial] = 1 << (info - 24) if 24 <= info <= 27 else 0
        if 28 <= info <= 30 or (info == 31 and major in (0, 1, 6)):
            kinds[initial] = _BAD
        elif initial == 0xFF:
            kinds[initial] = _BREAK
        elif major in (2, 3) and info != 31:
            kinds[initial] = _STRING
        elif major in (0, 1) or (major == 7 and initial != 0xF8):
            kinds[initial] = _SCALAR
        else:  # arrays, maps, tags, indefinite strings, and 0xf8 (checked by _open)
            kinds[initial] = _OPEN
    return bytes(kinds), bytes(sizes)


_KINDS, _ARG_BYTES = _head_tables()


class CBORError(ValueError):
    """The bytes are not exactly one well-formed CBOR item."""


_ENCODERS = threading.local()  # per thread: an encoder writes to the buffer of one call at a time


def dumps(obj: Any) -> bytes:
    """``cbor2.dumps(obj)``, the same bytes, on this thread's reused encoder."""
    return _encode(obj, "plain")


def dumps_canonical(obj: Any) -> bytes:
    """``cbor2.dumps(obj, canonical=True)``, the same bytes, on this thread's reused encoder."""
    return _encode(obj, "canonical")


def _encode(obj: Any, kind: str) -> bytes:
    encoder = getattr(_ENCODERS, kind, None)
    if encoder is None:
        encoder = cbor2.CBOREncoder(io.BytesIO(), canonical=kind == "canonical")
    buffer = io.BytesIO()
    encoder.fp = buffer
    setattr(_ENCODERS, kind, None)  # taken: a call it makes (re-entered) builds its own
    encoder.encode(obj)  # on an error, the encoder is dropped with whatever state it was left in
    setattr(_ENCODERS, kind, encoder)
    return buffer.getvalue()


def implementation() -> str:
    """Which cbor2 this process runs: "C extension" or "pure Python".

    cbor2 5.x falls back to pure Python, silently, when its C extension is missing (a pip
    that took the py3-none-any wheel, as on 32-bit ARM): 3-4x slower at CBOR
    (benchmarks/cbor_bench.py).
    """
    return "C extension" if cbor2.CBORDecoder.__module__ == "_cbor2" else "pure Python"


def loads_one(raw: bytes) -> Any:
    """The single CBOR item in `raw`; CBORError for anything else (never another exception)."""
    obj = loads_typed(raw)
    if 0xFF in raw or 0xF8 in raw:  # a break code or a two-byte simple value may be there
        check_well_formed(raw)
    return obj


def loads_typed(raw: bytes) -> Any:
    """`loads_one` without the structure check, for a caller that takes nothing it has not
    checked the exact type of (`type(v) is list`, never `isinstance`): a stray break code or
    simple value decodes as an object of a type of its own, which such a check refuses.
    (The check costs ~40 µs for a particle's data, and signatures hold 0xff or 0xf8 bytes
    often: 39% of them.)"""
    stream = io.BytesIO(raw)
    try:
        obj = cbor2.CBORDecoder(stream).decode()
    except Exception as exc:  # cbor2 raises many types, RecursionError included
        raise CBORError(str(exc) or type(exc).__name__) from exc
    if stream.tell() != len(raw):
        raise CBORError(f"{len(raw) - stream.tell()} bytes after the end of the item")
    return obj


def loads_plain(raw: bytes, *, max_items: int, max_depth: int) -> Any:
    """`loads_one` for what a peer answers: at most `max_items` items nested at most
    `max_depth` deep, no tags, definite lengths (`check_items`, before anything is built).
    cbor2 turns tags into Python values on its own (tag 4 is a Decimal whose exponent a
    sender picks: printing one with 10**6 as its exponent took longer than 25 s)."""
    check_items(raw, max_items=max_items, max_depth=max_depth)
    return loads_one(raw)


def check_well_formed(raw: bytes) -> None:
    """Raise CBORError unless `raw` is exactly one well-formed CBOR item (RFC 8949 §3,
    Appendix C); the values themselves are not looked at.

    Iterative and table-driven: deep nesting costs a list entry per level, not a Python
    frame, and a scalar or a string costs a few operations.
    """
    end = len(raw)
    stack: list[int] = [_DONE]
    top, pos = 1, 0
    while True:
        if pos >= end:
            raise CBORError(f"truncated: the input ends at byte {pos}, inside an item")
        initial = raw[pos]
        kind = _KINDS[initial]
        if top <= _BYTES_CHUNKS:
            _check_chunk(top, initial, pos)
        if kind == _SCALAR:  # an overrun shows at the next head or at the end
            pos += 1 + _ARG_BYTES[initial]
        elif kind == _STRING:
            pos = _skip_string(raw, pos) if _ARG_BYTES[initial] else pos + 1 + (initial & 0x1F)
        elif kind == _BREAK:
            _check_break(top, pos, outermost=len(stack) == 1)
            top, pos = stack.pop(), pos + 1
        else:
            pos, opened = _open(raw, pos, top, stack)
            if opened:
                top = stack.pop()
                continue
        while top == 1:  # the last item of a definite-length container: that ends too
            top = stack.pop()
        if top > 1:
            top -= 1
        elif top == _KEY_OR_BREAK:
            top = _VALUE
        elif top == _VALUE:
            top = _KEY_OR_BREAK
        elif top == _DONE:
            break
    if pos != end:
        problem = "inside the last item" if pos > end else f"{end - pos} bytes after the item"
        raise CBORError(f"not exactly one item: the input ends {problem}")


def _argument(raw: bytes, pos: int) -> tuple[int, int]:
    """The argument of the head at `pos` and the position after the head."""
    initial = raw[pos]
    size = _ARG_BYTES[initial]
    if not size:
        return initial & 0x1F, pos + 1
    if pos + 1 + size > len(raw):
        raise CBORError(f"truncated: the input ends inside the head at byte {pos}")
    return int.from_bytes(raw[pos + 1:pos + 1 + size], "big"), pos + 1 + size


def _skip_string(raw: bytes, pos: int) -> int:
    """The position after the definite-length string at `pos`."""
    length, pos = _argument(raw, pos)
    if length > len(raw) - pos:
        raise CBORError(f"truncated: a string of {length} bytes at byte {pos} has {len(raw) - pos}")
    return pos + length


def _open(raw: bytes, pos: int, top: int, stack: list[int]) -> tuple[int, bool]:
    """Read the head at `pos` of an array, a map, a tag, an indefinite-length string, a
    two-byte simple value or a malformed head. Returns the position after the head and
    whether an item is now open: then `stack` ends with the caller's `top`, then what the
    new item waits for; else the item was complete."""
    initial = raw[pos]
    major, info = initial >> 5, initial & 0x1F
    if _KINDS[initial] == _BAD:
        raise CBORError(f"byte {pos} (0x{initial:02x}) starts no CBOR item (RFC 8949 §3)")
    if info == 31:
        stack += (top, (_BYTES_CHUNKS, _TEXT_CHUNKS, _ANY_UNTIL_BREAK, _KEY_OR_BREAK)[major - 2])
        return pos + 1, True
    arg, after = _argument(raw, pos)
    if major == 7:  # 0xf8, a simple value in two bytes
        if arg < 32:
            raise CBORError(f"simple value {arg} in two bytes at byte {pos}; below 32 it takes one")
        return after, False
    count = arg if major == 4 else 2 * arg if major == 5 else 1
    if count:
        stack += (top, count)
    return after, count > 0


def _check_chunk(expects: int, initial: int, pos: int) -> None:
    """A chunk of an indefinite-length string must be a definite string of the same type, or
    the break code."""
    major = 2 if expects == _BYTES_CHUNKS else 3
    if initial != 0xFF and (initial >> 5 != major or initial & 0x1F == 31):
        kind = "byte" if major == 2 else "text"
        raise CBORError(f"an indefinite-length {kind} string holds something else at byte {pos}")


def _check_break(top: int, pos: int, *, outermost: bool) -> None:
    """A break code at `pos` must end the innermost open indefinite-length item."""
    if outermost:
        raise CBORError(f"a break code (0xff) outside an indefinite-length item at byte {pos}")
    if top > 0:
        raise CBORError(f"a break code (0xff) inside a definite-length array, map or tag at byte {pos}")
    if top == _VALUE:
        raise CBORError(f"a break code (0xff) where a map value belongs at byte {pos}")


def check_items(raw: bytes, *, max_items: int, max_depth: int) -> int:
    """Count the data items in `raw` without building them; CBORError past either limit.

    cbor2 turns a megabyte of one-byte empty arrays into a million Python lists (~70 MB), so
    what a stranger sends is bounded in decoded terms before it is decoded: this walks the
    item heads (strings are skipped by their length) and stops at the first item over
    `max_items`, so it costs at most `max_items` steps. It accepts only what our encoders
    write: definite lengths, no tags, exactly one top-level item. Input of at most
    `max_items` bytes cannot hold more items, so callers may skip the walk for it.
    """
    end = len(raw)
    pos = items = 0
    left = [1]  # items still to read at each open level
    while left:
        if not left[-1]:
            left.pop()
            continue
        left[-1] -= 1
        if pos >= end:
            raise CBORError("truncated CBOR")
        major, info = raw[pos] >> 5, raw[pos] & 31
        items += 1
        if items > max_items:
            raise CBORError(f"more than {max_items} CBOR items")
        if info > 27:
            raise CBORError("indefinite lengths and reserved heads are not accepted")
        arg, pos = _argument(raw, pos)  # the head reader check_well_formed uses
        if major == 2 or major == 3:
            pos += arg
        elif major == 4 or major == 5:
            if arg:
                if len(left) > max_depth:
                    raise CBORError(f"CBOR nested deeper than {max_depth} levels")
                left.append(arg if major == 4 else 2 * arg)
        elif major == 6:
            raise CBORError("CBOR tags are not accepted")
        if pos > end:
            raise CBORError("truncated CBOR")
    if pos != end:
        raise CBORError(f"{end - pos} bytes after the end of the item")
    return items
