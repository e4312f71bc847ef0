"""Write the few pieces of the binary format the instrumenter emits (spec §5.1-5.5)."""

from __future__ import annotations

from edge_agent.services.wasm.binary.model import FuncType


def encode_u32(value: int) -> bytes:
    """Unsigned LEB128 in the fewest bytes."""
    if not 0 <= value <= 0xFFFF_FFFF:
        raise ValueError(f"{value} does not fit a u32")
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_s64(value: int) -> bytes:
    """Signed LEB128 in the fewest bytes (also right for s32 values)."""
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError(f"{value} does not fit an s64")
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if (value == 0 and not b & 0x40) or (value == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def encode_name(name: str) -> bytes:
    raw = name.encode("utf-8")
    return encode_u32(len(raw)) + raw


def encode_section(sid: int, content: bytes) -> bytes:
    return bytes((sid,)) + encode_u32(len(content)) + content


def encode_vec(items: list[bytes]) -> bytes:
    return encode_u32(len(items)) + b"".join(items)


def encode_func_type(ft: FuncType) -> bytes:
    return (
        b"\x60"
        + encode_vec([bytes((int(v),)) for v in ft.params])
        + encode_vec([bytes((int(v),)) for v in ft.results])
    )
