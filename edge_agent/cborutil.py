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
