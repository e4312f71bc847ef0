"""What each instruction costs in fuel: its weight, and the operand-sized extras of bulk memory,
memory.grow and the table instructions. Pure data for the instrumenter (instrument.py has the
accounting they serve)."""

from __future__ import annotations

from edge_agent.services.wasm.binary import Op

BULK_BYTES_PER_FUEL = 16
"""memory.copy, memory.fill and memory.init cost one fuel per this many bytes (rounded
down), on top of their weight. wasm3 hands them to memmove/memset, which move about this
much in the time wasm3 dispatches one instruction."""

GROW_FUEL_PER_PAGE = 65_536 // BULK_BYTES_PER_FUEL
"""memory.grow costs this much per requested 64 KiB page, on top of its weight: wasm3 zeroes
new pages, so growing a page costs what filling it does. Charged even if the grow fails."""

TABLE_FUEL_PER_ELEMENT = 1
"""table.grow, table.fill, table.copy and table.init cost this much per element."""

HOST_CALL_FUEL = 2048
"""A call of a host import costs this much fuel on top of a call's weight: it leaves wasm3
for Python, and may open a file (`ea_sensor_read`: about 7 µs here, where one fuel is a few
nanoseconds). At 2, a loop of host calls ran to its deadline (1 s, a worker killed and
replaced) instead of out of fuel."""

HOST_BYTES_IMPORTS = frozenset(("ea_log", "ea_random", "ea_kv_get", "ea_kv_put", "ea_caller"))
"""Host imports (module ``env``) whose last argument is a number of bytes they read, write
or copy (docs/service-abi.md): charged one fuel per byte of it (`ea_random` of 64 KiB took
about 0.4 ms here, under load)."""

_FREE = frozenset((Op.BLOCK, Op.LOOP, Op.ELSE, Op.END, Op.NOP))
_CALL_WEIGHT = 2


def weight(opcode: int) -> int:
    """Fuel charged for executing one instruction, before operand-sized extras.

    Structural markers that wasm3 compiles to nothing cost 0, calls 2 (a frame is pushed
    and popped), everything else 1: one fuel is about one wasm3 operation.
    """
    if opcode in _FREE:
        return 0
    if opcode == Op.CALL or opcode == Op.CALL_INDIRECT:
        return _CALL_WEIGHT
    return 1


# Operand-sized charges: opcode -> (shift, sign): fuel = n >> shift (sign -1) or n << shift
# (sign +1), where n is the i32 on top of the stack (the size or count operand).
_SHIFT_PAGE = GROW_FUEL_PER_PAGE.bit_length() - 1
_SHIFT_BYTE = BULK_BYTES_PER_FUEL.bit_length() - 1
assert 1 << _SHIFT_PAGE == GROW_FUEL_PER_PAGE and 1 << _SHIFT_BYTE == BULK_BYTES_PER_FUEL
assert TABLE_FUEL_PER_ELEMENT == 1
SIZED: dict[int, tuple[int, int]] = {
    Op.MEMORY_GROW: (_SHIFT_PAGE, +1),
    Op.MEMORY_COPY: (_SHIFT_BYTE, -1),
    Op.MEMORY_FILL: (_SHIFT_BYTE, -1),
    Op.MEMORY_INIT: (_SHIFT_BYTE, -1),
    Op.TABLE_GROW: (0, -1),
    Op.TABLE_FILL: (0, -1),
    Op.TABLE_COPY: (0, -1),
    Op.TABLE_INIT: (0, -1),
}
