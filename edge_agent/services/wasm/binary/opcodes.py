"""The instruction set this reader decodes: every opcode with its name and kind of immediate,
the opcodes refused with a reason, and `Instr`, one decoded instruction (spec §5.4)."""

from __future__ import annotations

import enum
from typing import NamedTuple

from edge_agent.services.wasm.binary.model import WASM3_UNSUPPORTED


class Imm(enum.Enum):
    """The immediate operands an opcode carries (spec §5.4)."""

    NONE = enum.auto()
    BLOCKTYPE = enum.auto()
    LABEL = enum.auto()
    LABELS = enum.auto()
    FUNC = enum.auto()
    CALL_INDIRECT = enum.auto()
    LOCAL = enum.auto()
    GLOBAL = enum.auto()
    MEMARG = enum.auto()
    MEMORY = enum.auto()
    I32 = enum.auto()
    I64 = enum.auto()
    F32 = enum.auto()
    F64 = enum.auto()
    DATA = enum.auto()
    MEMORY_INIT = enum.auto()
    MEMORY_COPY = enum.auto()
    TABLE_INIT = enum.auto()
    ELEM = enum.auto()
    TABLE_COPY = enum.auto()
    TABLE = enum.auto()


# Prefixed opcodes are numbered PREFIX_FC | sub-opcode, so one table holds them all.
PREFIX_FC = 0xFC00


class Op(enum.IntEnum):
    """The opcodes the instrumenter cares about by name; the table below has them all."""

    UNREACHABLE = 0x00
    NOP = 0x01
    BLOCK = 0x02
    LOOP = 0x03
    IF = 0x04
    ELSE = 0x05
    END = 0x0B
    BR = 0x0C
    BR_IF = 0x0D
    BR_TABLE = 0x0E
    RETURN = 0x0F
    CALL = 0x10
    CALL_INDIRECT = 0x11
    DROP = 0x1A
    SELECT = 0x1B
    LOCAL_GET = 0x20
    LOCAL_SET = 0x21
    LOCAL_TEE = 0x22
    GLOBAL_GET = 0x23
    GLOBAL_SET = 0x24
    MEMORY_SIZE = 0x3F
    MEMORY_GROW = 0x40
    I32_CONST = 0x41
    I64_CONST = 0x42
    F32_CONST = 0x43
    F64_CONST = 0x44
    I64_LT_S = 0x53
    I64_ADD = 0x7C
    I64_SUB = 0x7D
    I64_MUL = 0x7E
    I64_SHR_U = 0x88
    I64_EXTEND_I32_U = 0xAD
    MEMORY_INIT = PREFIX_FC | 8
    DATA_DROP = PREFIX_FC | 9
    MEMORY_COPY = PREFIX_FC | 10
    MEMORY_FILL = PREFIX_FC | 11
    TABLE_INIT = PREFIX_FC | 12
    ELEM_DROP = PREFIX_FC | 13
    TABLE_COPY = PREFIX_FC | 14
    TABLE_GROW = PREFIX_FC | 15
    TABLE_SIZE = PREFIX_FC | 16
    TABLE_FILL = PREFIX_FC | 17


def _opcode_table() -> dict[int, tuple[str, Imm]]:
    table: dict[int, tuple[str, Imm]] = {
        0x00: ("unreachable", Imm.NONE),
        0x01: ("nop", Imm.NONE),
        0x02: ("block", Imm.BLOCKTYPE),
        0x03: ("loop", Imm.BLOCKTYPE),
        0x04: ("if", Imm.BLOCKTYPE),
        0x05: ("else", Imm.NONE),
        0x0B: ("end", Imm.NONE),
        0x0C: ("br", Imm.LABEL),
        0x0D: ("br_if", Imm.LABEL),
        0x0E: ("br_table", Imm.LABELS),
        0x0F: ("return", Imm.NONE),
        0x10: ("call", Imm.FUNC),
        0x11: ("call_indirect", Imm.CALL_INDIRECT),
        0x1A: ("drop", Imm.NONE),
        0x1B: ("select", Imm.NONE),
        0x20: ("local.get", Imm.LOCAL),
        0x21: ("local.set", Imm.LOCAL),
        0x22: ("local.tee", Imm.LOCAL),
        0x23: ("global.get", Imm.GLOBAL),
        0x24: ("global.set", Imm.GLOBAL),
        0x3F: ("memory.size", Imm.MEMORY),
        0x40: ("memory.grow", Imm.MEMORY),
        0x41: ("i32.const", Imm.I32),
        0x42: ("i64.const", Imm.I64),
        0x43: ("f32.const", Imm.F32),
        0x44: ("f64.const", Imm.F64),
    }
    memory = (
        "i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u "
        "i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u "
        "i32.store i64.store f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16 "
        "i64.store32"
    ).split()
    for i, name in enumerate(memory):
        table[0x28 + i] = (name, Imm.MEMARG)
    numeric = (
        # 0x45..0xC4: comparisons, arithmetic, conversions (MVP), then sign extension.
        "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s "
        "i32.ge_u i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u "
        "i64.ge_s i64.ge_u f32.eq f32.ne f32.lt f32.gt f32.le f32.ge f64.eq f64.ne f64.lt "
        "f64.gt f64.le f64.ge i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s "
        "i32.div_u i32.rem_s i32.rem_u i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u "
        "i32.rotl i32.rotr i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s "
        "i64.div_u i64.rem_s i64.rem_u i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u "
        "i64.rotl i64.rotr f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt "
        "f32.add f32.sub f32.mul f32.div f32.min f32.max f32.copysign f64.abs f64.neg f64.ceil "
        "f64.floor f64.trunc f64.nearest f64.sqrt f64.add f64.sub f64.mul f64.div f64.min "
        "f64.max f64.copysign i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s "
        "i32.trunc_f64_u i64.extend_i32_s i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u "
        "i64.trunc_f64_s i64.trunc_f64_u f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s "
        "f32.convert_i64_u f32.demote_f64 f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s "
        "f64.convert_i64_u f64.promote_f32 i32.reinterpret_f32 i64.reinterpret_f64 "
        "f32.reinterpret_i32 f64.reinterpret_i64 i32.extend8_s i32.extend16_s i64.extend8_s "
        "i64.extend16_s i64.extend32_s"
    ).split()
    for i, name in enumerate(numeric):
        table[0x45 + i] = (name, Imm.NONE)
    assert 0x45 + len(numeric) - 1 == 0xC4
    saturating = (
        "i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u "
        "i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u"
    ).split()
    for i, name in enumerate(saturating):
        table[PREFIX_FC | i] = (name, Imm.NONE)
    table.update(
        {
            PREFIX_FC | 8: ("memory.init", Imm.MEMORY_INIT),
            PREFIX_FC | 9: ("data.drop", Imm.DATA),
            PREFIX_FC | 10: ("memory.copy", Imm.MEMORY_COPY),
            PREFIX_FC | 11: ("memory.fill", Imm.MEMORY),
            PREFIX_FC | 12: ("table.init", Imm.TABLE_INIT),
            PREFIX_FC | 13: ("elem.drop", Imm.ELEM),
            PREFIX_FC | 14: ("table.copy", Imm.TABLE_COPY),
            PREFIX_FC | 15: ("table.grow", Imm.TABLE),
            PREFIX_FC | 16: ("table.size", Imm.TABLE),
            PREFIX_FC | 17: ("table.fill", Imm.TABLE),
        }
    )
    return table


OPCODES: dict[int, tuple[str, Imm]] = _opcode_table()
"""Every opcode this reader decodes: name and immediate kind."""

# Natural alignment (log2 of the access size) of each load and store, spec §3.3.7.
NATURAL_ALIGN = dict(
    zip(range(0x28, 0x3F), (2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2), strict=True)
)

# Opcodes of proposals wasm3 0.5 does not run, so a person learns why, not just "unknown".
REFUSED_OPCODES = {
    0x06: f"exception handling (try) {WASM3_UNSUPPORTED}",
    0x07: f"exception handling (catch) {WASM3_UNSUPPORTED}",
    0x08: f"exception handling (throw) {WASM3_UNSUPPORTED}",
    0x09: f"exception handling (rethrow) {WASM3_UNSUPPORTED}",
    0x12: f"tail calls (return_call) {WASM3_UNSUPPORTED}",
    0x13: f"tail calls (return_call_indirect) {WASM3_UNSUPPORTED}",
    0x18: f"exception handling (delegate) {WASM3_UNSUPPORTED}",
    0x19: f"exception handling (catch_all) {WASM3_UNSUPPORTED}",
    0x1C: f"typed select (reference types) {WASM3_UNSUPPORTED}",
    0x25: f"table.get (reference types) {WASM3_UNSUPPORTED}",
    0x26: f"table.set (reference types) {WASM3_UNSUPPORTED}",
    0xD0: f"ref.null (reference types) {WASM3_UNSUPPORTED}",
    0xD1: f"ref.is_null (reference types) {WASM3_UNSUPPORTED}",
    0xD2: f"ref.func (reference types) {WASM3_UNSUPPORTED}",
    0xFB: f"garbage-collection instructions {WASM3_UNSUPPORTED}",
    0xFD: f"SIMD instructions {'are' + WASM3_UNSUPPORTED[2:]}",
    0xFE: f"atomic instructions (threads) {'are' + WASM3_UNSUPPORTED[2:]}",
}

class Instr(NamedTuple):
    """One decoded instruction.

    `imm` by kind: block/loop/if — the block type (None, a ValType, or a type index);
    br/br_if — the label depth; br_table — a tuple of depths, default last; call — the
    function index; call_indirect — (type index, table index); local/global ops — the
    index; memory loads/stores — (align, offset); consts — the value (floats as raw
    bytes); bulk memory and table ops — their index tuple; otherwise None.
    """

    offset: int
    opcode: int
    imm: object
    end: int


def label_depths(imm: object) -> tuple[int, ...]:
    """The label depths a br, br_if (one) or br_table (default last) names."""
    if isinstance(imm, tuple):
        return imm
    assert isinstance(imm, int)
    return (imm,)


def opcode_name(opcode: int) -> str:
    entry = OPCODES.get(opcode)
    if entry is not None:
        return entry[0]
    if opcode >= PREFIX_FC:
        return f"0xfc {opcode & 0xFF}"
    return f"0x{opcode:02x}"
