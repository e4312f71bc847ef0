"""Decode exactly one CBOR item, the same way on every cbor2 version we support.

cbor2 stops after the first item and ignores what follows, and 5.x reads a lone 0xff as a
"break marker" object; bytes from a stranger must be one well-formed item and nothing else.
"""

from __future__ import annotations

import io
from typing import Any

import cbor2


class CBORError(ValueError):
    """The bytes are not exactly one well-formed CBOR item."""


def loads_one(raw: bytes) -> Any:
    """The single CBOR item in `raw`; CBORError for anything else (never another exception)."""
    stream = io.BytesIO(raw)
    try:
        obj = cbor2.CBORDecoder(stream).decode()
    except Exception as exc:  # cbor2 raises many types, RecursionError included
        raise CBORError(str(exc) or type(exc).__name__) from exc
    if stream.tell() != len(raw):
        raise CBORError(f"{len(raw) - stream.tell()} bytes after the end of the item")
    if obj is getattr(cbor2, "break_marker", object()):
        raise CBORError("a lone break code (0xff)")
    return obj


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
        head = raw[pos]
        major, info = head >> 5, head & 31
        pos += 1
        items += 1
        if items > max_items:
            raise CBORError(f"more than {max_items} CBOR items")
        if info < 24:
            arg = info
        elif info <= 27:
            size = 1 << (info - 24)
            arg = int.from_bytes(raw[pos : pos + size], "big")
            pos += size
        else:
            raise CBORError("indefinite lengths and reserved heads are not accepted")
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
