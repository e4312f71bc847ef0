"""A bounds-checked cursor over untrusted bytes: LEB128 integers, names, value types and
limits (spec §5.1-5.3), every failure a `ModuleRejected` naming the section and byte."""

from __future__ import annotations

from edge_agent.services.wasm.binary.model import (
    REFUSED_VALTYPES,
    VALTYPES,
    WASM3_UNSUPPORTED,
    Limits,
    ValType,
)
from edge_agent.services.wasm.errors import ModuleRejected


class Reader:
    """A cursor over `data[pos:end]` whose errors name the section and absolute offset."""

    __slots__ = ("data", "end", "pos", "where")

    def __init__(self, data: bytes, pos: int, end: int, where: str) -> None:
        self.data = data
        self.pos = pos
        self.end = end
        self.where = where

    def fail(self, message: str, at: int | None = None) -> ModuleRejected:
        return ModuleRejected(f"{message} in the {self.where} at byte {self.pos if at is None else at}")

    def truncated(self) -> ModuleRejected:
        return self.fail("truncated")

    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def byte(self) -> int:
        if self.pos >= self.end:
            raise self.truncated()
        b = self.data[self.pos]
        self.pos += 1
        return b

    def bytes(self, n: int) -> bytes:
        if n > self.end - self.pos:
            raise self.truncated()
        start = self.pos
        self.pos += n
        return self.data[start : self.pos]

    def skip(self, n: int) -> None:
        if n > self.end - self.pos:
            raise self.truncated()
        self.pos += n

    def u32(self) -> int:
        data, pos, end = self.data, self.pos, self.end
        if pos < end and data[pos] < 0x80:  # the common one-byte case
            self.pos = pos + 1
            return data[pos]
        return self._leb(32, signed=False)

    def s32(self) -> int:
        return self._leb(32, signed=True)

    def s33(self) -> int:
        return self._leb(33, signed=True)

    def s64(self) -> int:
        return self._leb(64, signed=True)

    def _leb(self, bits: int, *, signed: bool) -> int:
        """LEB128 (spec §5.2.2): at most ceil(bits/7) bytes, unused bits of the last byte
        must be zero (unsigned) or copies of the sign bit (signed)."""
        start = self.pos
        result = 0
        shift = 0
        max_bytes = (bits + 6) // 7
        for i in range(max_bytes):
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if i == max_bytes - 1:
                    spare = shift - bits  # bits of the last byte beyond the type's width
                    top = (b & 0x7F) >> (7 - spare - (1 if signed else 0))
                    if signed:
                        if top not in (0, (1 << (spare + 1)) - 1):
                            raise self.fail("integer too large", start)
                    elif top:
                        raise self.fail("integer too large", start)
                if signed and b & 0x40:
                    result -= 1 << shift
                return result
        raise self.fail("integer representation too long", start)

    def count(self, what: str, min_size: int = 1) -> int:
        """A vector length, refused at once if its items cannot fit in the bytes left."""
        at = self.pos
        n = self.u32()
        if n * min_size > self.remaining:
            raise self.fail(f"{what} count {n} exceeds the bytes left", at)
        return n

    def name(self) -> str:
        at = self.pos
        n = self.u32()
        raw = self.bytes(n)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail("name is not valid UTF-8", at) from None

    def valtype(self) -> ValType:
        at = self.pos
        b = self.byte()
        vt = VALTYPES.get(b)
        if vt is not None:
            return vt
        refused = REFUSED_VALTYPES.get(b)
        if refused is not None:
            raise self.fail(refused, at)
        raise self.fail(f"unknown value type 0x{b:02x}", at)

    def limits(self, what: str, cap: int) -> Limits:
        at = self.pos
        flags = self.byte()
        if flags in (0x02, 0x03):
            raise self.fail(f"shared {what} (threads) {WASM3_UNSUPPORTED}", at)
        if flags not in (0x00, 0x01):
            raise self.fail(
                f"unknown {what} limits flag 0x{flags:02x} (memory64 and others {WASM3_UNSUPPORTED})", at
            )
        low = self.u32()
        high = self.u32() if flags == 0x01 else None
        if low > cap or (high is not None and high > cap):
            raise self.fail(f"{what} size is over {cap}", at)
        if high is not None and low > high:
            raise self.fail(f"{what} minimum {low} is above its maximum {high}", at)
        return Limits(low, high)

    def zero_byte(self, what: str) -> int:
        """A reserved index byte that MVP fixes at 0x00 (wasm3 reads exactly one byte)."""
        at = self.pos
        b = self.byte()
        if b != 0:
            raise self.fail(
                f"{what} must be the byte 0x00, not 0x{b:02x} "
                f"(multiple memories and tables {WASM3_UNSUPPORTED})",
                at,
            )
        return 0

    def expect_end(self) -> None:
        if self.pos != self.end:
            raise self.fail(f"{self.end - self.pos} unexpected byte(s) at the end")
