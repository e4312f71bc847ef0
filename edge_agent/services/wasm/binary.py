"""Read (and write the few pieces we emit of) the WebAssembly binary format.

One job: turn untrusted bytes into a `Module` description, and a function body into its
instructions, for the validator and the instrumenter. It accepts the MVP format
(https://webassembly.github.io/spec/core/binary/) plus the extensions wasm3 0.5 implements
or that compilers emit around them: sign extension, saturating truncation, bulk memory
(0xFC 8..17), multi-value block types, and the data count section. Everything else — SIMD,
threads, reference types, exceptions, tail calls — is refused here with a message that says
so, since wasm3 cannot run it anyway.

Pure: no I/O, no wasm3. The size is checked before anything is parsed, vectors are checked
against the bytes left before anything is allocated for them, and every malformed input
raises `ModuleRejected` naming the section and absolute byte offset; no other exception
escapes (tests/services/wasm/test_binary.py fuzzes this).

It checks what the instrumenter relies on — well-formed sections, section order, indices
in range, balanced blocks, branch depths — but it does not type-check the operand stack;
wasm3 does that when it compiles a function.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from edge_agent import const
from edge_agent.services.wasm.errors import ModuleRejected

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

MAX_PAGES = 65_536
"""Most pages a 32-bit memory can declare (4 GiB), core spec §2.5.5 / §3.2.8."""

WASM3_UNSUPPORTED = "is not supported by wasm3 here"


# --- Value and section kinds --------------------------------------------------------------


class ValType(enum.IntEnum):
    """A number type (spec §5.3.1). Reference and vector types are refused when read."""

    I32 = 0x7F
    I64 = 0x7E
    F32 = 0x7D
    F64 = 0x7C

    def __str__(self) -> str:
        return self.name.lower()


FUNCREF = 0x70
"""The only table element type wasm3 supports (reference type byte, spec §5.3.3)."""

_VALTYPES = {int(v): v for v in ValType}
_REFUSED_VALTYPES = {
    0x7B: f"v128 values (SIMD) {WASM3_UNSUPPORTED}",
    0x70: f"funcref values (reference types) {WASM3_UNSUPPORTED}",
    0x6F: f"externref values (reference types) {WASM3_UNSUPPORTED}",
}


class SectionId(enum.IntEnum):
    """Section ids (spec §5.5.2)."""

    CUSTOM = 0
    TYPE = 1
    IMPORT = 2
    FUNCTION = 3
    TABLE = 4
    MEMORY = 5
    GLOBAL = 6
    EXPORT = 7
    START = 8
    ELEMENT = 9
    CODE = 10
    DATA = 11
    DATA_COUNT = 12

    @property
    def title(self) -> str:
        return self.name.lower().replace("_", " ") + " section"


SECTION_ORDER: tuple[SectionId, ...] = (
    SectionId.TYPE,
    SectionId.IMPORT,
    SectionId.FUNCTION,
    SectionId.TABLE,
    SectionId.MEMORY,
    SectionId.GLOBAL,
    SectionId.EXPORT,
    SectionId.START,
    SectionId.ELEMENT,
    SectionId.DATA_COUNT,
    SectionId.CODE,
    SectionId.DATA,
)
"""The order of the non-custom sections, each at most once (spec §5.5.2): the reader
refuses any other, and the instrumenter inserts the sections it adds by it."""

SECTION_RANK: dict[int, int] = {sid: rank for rank, sid in enumerate(SECTION_ORDER)}
"""Each non-custom section id's place in `SECTION_ORDER`."""


class ExternKind(enum.IntEnum):
    """What an import or export names (spec §5.5.5, §5.5.10)."""

    FUNC = 0
    TABLE = 1
    MEMORY = 2
    GLOBAL = 3

    def __str__(self) -> str:
        return self.name.lower()


class SegmentMode(enum.Enum):
    """How an element or data segment is used (spec §2.5.7, §2.5.8)."""

    ACTIVE = "active"
    PASSIVE = "passive"
    DECLARATIVE = "declarative"


# --- The module description ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FuncType:
    """A function signature."""

    params: tuple[ValType, ...]
    results: tuple[ValType, ...]

    def __str__(self) -> str:
        params = ", ".join(map(str, self.params))
        results = ", ".join(map(str, self.results))
        return f"({params}) -> ({results})"


@dataclass(frozen=True, slots=True)
class Limits:
    """Minimum and optional maximum, in pages (memories) or elements (tables)."""

    min: int
    max: int | None


@dataclass(frozen=True, slots=True)
class TableType:
    elem: int
    limits: Limits


@dataclass(frozen=True, slots=True)
class GlobalType:
    valtype: ValType
    mutable: bool


@dataclass(frozen=True, slots=True)
class Import:
    """One import; `desc` is a type index (functions) or the imported entity's type."""

    module: str
    name: str
    kind: ExternKind
    desc: int | TableType | Limits | GlobalType
    offset: int


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    kind: ExternKind
    index: int


@dataclass(frozen=True, slots=True)
class ConstExpr:
    """A constant expression: one instruction and its immediate (spec §3.3.10, MVP form)."""

    opcode: int
    value: int | bytes | None


@dataclass(frozen=True, slots=True)
class Global:
    type: GlobalType
    init: ConstExpr


@dataclass(frozen=True, slots=True)
class Element:
    """An element segment; `funcs` holds function indices (None for ref.null)."""

    flags: int
    mode: SegmentMode
    table: int
    offset: ConstExpr | None
    funcs: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class Data:
    """A data segment; its bytes are `module_bytes[init_start:init_end]`."""

    flags: int
    mode: SegmentMode
    memory: int
    offset: ConstExpr | None
    init_start: int
    init_end: int


@dataclass(frozen=True, slots=True)
class Code:
    """One function body: its local declarations and where its instructions lie."""

    offset: int
    """Absolute offset of the body's size field."""
    locals: tuple[tuple[int, ValType], ...]
    """Local declarations as (count, type), in order, after the parameters."""
    locals_start: int
    """Absolute offset of the local declarations (the body's content starts here)."""
    body_start: int
    """Absolute offset of the first instruction."""
    end: int
    """Absolute offset just past the body's final `end`."""

    @property
    def num_locals(self) -> int:
        return sum(count for count, _ in self.locals)


@dataclass(frozen=True, slots=True)
class Custom:
    name: str
    content_start: int
    end: int


@dataclass(frozen=True, slots=True)
class Section:
    """Where one section lies: its id byte at `offset`, its content at `content_start`."""

    id: int
    offset: int
    content_start: int
    end: int

    @property
    def title(self) -> str:
        return SectionId(self.id).title


@dataclass(frozen=True, slots=True)
class Module:
    """A parsed module: indices are the module's own (imports first in each index space)."""

    size: int
    sections: tuple[Section, ...]
    types: tuple[FuncType, ...]
    imports: tuple[Import, ...]
    functions: tuple[int, ...]
    """Type index of each function defined in the module (not imported)."""
    tables: tuple[TableType, ...]
    memories: tuple[Limits, ...]
    globals: tuple[Global, ...]
    exports: tuple[Export, ...]
    start: int | None
    elements: tuple[Element, ...]
    data_count: int | None
    codes: tuple[Code, ...]
    datas: tuple[Data, ...]
    customs: tuple[Custom, ...]

    def imports_of(self, kind: ExternKind) -> tuple[Import, ...]:
        return tuple(imp for imp in self.imports if imp.kind is kind)

    @property
    def num_imported_functions(self) -> int:
        return sum(1 for imp in self.imports if imp.kind is ExternKind.FUNC)

    @property
    def num_functions(self) -> int:
        """Size of the function index space (imported and defined)."""
        return self.num_imported_functions + len(self.functions)

    @property
    def num_globals(self) -> int:
        return sum(1 for imp in self.imports if imp.kind is ExternKind.GLOBAL) + len(self.globals)

    @property
    def num_tables(self) -> int:
        return sum(1 for imp in self.imports if imp.kind is ExternKind.TABLE) + len(self.tables)

    @property
    def num_memories(self) -> int:
        return sum(1 for imp in self.imports if imp.kind is ExternKind.MEMORY) + len(self.memories)

    def func_type_index(self, func: int) -> int:
        """Type index of function `func` in the function index space."""
        n_imported = self.num_imported_functions
        if func < n_imported:
            desc = self.imports_of(ExternKind.FUNC)[func].desc
            assert isinstance(desc, int)
            return desc
        return self.functions[func - n_imported]

    def func_type(self, func: int) -> FuncType:
        return self.types[self.func_type_index(func)]

    def global_type(self, index: int) -> GlobalType:
        imported = [imp.desc for imp in self.imports_of(ExternKind.GLOBAL)]
        if index < len(imported):
            desc = imported[index]
            assert isinstance(desc, GlobalType)
            return desc
        return self.globals[index - len(imported)].type

    def section(self, sid: SectionId) -> Section | None:
        for sec in self.sections:
            if sec.id == sid:
                return sec
        return None

    def custom(self, name: str) -> tuple[Custom, ...]:
        return tuple(c for c in self.customs if c.name == name)


# --- Instructions ---------------------------------------------------------------------------


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

# The one-byte opcodes decode_body's fast path handles (not end and else: they move blocks).
_ONE_BYTE_KINDS = {
    op: kind
    for op, (_, kind) in OPCODES.items()
    if op < 0x100 and op not in (0x05, 0x0B) and kind in (Imm.NONE, Imm.LOCAL, Imm.GLOBAL, Imm.I32)
}

# Natural alignment (log2 of the access size) of each load and store, spec §3.3.7.
_NATURAL_ALIGN = dict(
    zip(range(0x28, 0x3F), (2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2))
)

# Opcodes of proposals wasm3 0.5 does not run, so a person learns why, not just "unknown".
_REFUSED_OPCODES = {
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

_BLOCK_OPS = frozenset((Op.BLOCK, Op.LOOP, Op.IF))


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


def opcode_name(opcode: int) -> str:
    entry = OPCODES.get(opcode)
    if entry is not None:
        return entry[0]
    if opcode >= PREFIX_FC:
        return f"0xfc {opcode & 0xFF}"
    return f"0x{opcode:02x}"


# --- Low-level reading ----------------------------------------------------------------------


class _Reader:
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
        vt = _VALTYPES.get(b)
        if vt is not None:
            return vt
        refused = _REFUSED_VALTYPES.get(b)
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


# --- Parsing ----------------------------------------------------------------------------------


def parse_module(data: bytes, *, max_bytes: int = const.DEFAULT_MAX_MODULE_BYTES) -> Module:
    """Parse a module's sections; raise `ModuleRejected` if it is too big or malformed.

    Function bodies are checked only as far as their size and local declarations; call
    `decode_body` to decode (and check) their instructions.
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    if len(data) > max_bytes:
        raise ModuleRejected(f"module is {len(data)} bytes, over the limit of {max_bytes} bytes")
    return _Parser(data).parse()


class _Parser:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.types: list[FuncType] = []
        self.imports: list[Import] = []
        self.functions: list[int] = []
        self.tables: list[TableType] = []
        self.memories: list[Limits] = []
        self.globals: list[Global] = []
        self.exports: list[Export] = []
        self.start: int | None = None
        self.elements: list[Element] = []
        self.data_count: int | None = None
        self.codes: list[Code] = []
        self.datas: list[Data] = []
        self.customs: list[Custom] = []
        self.sections: list[Section] = []
        self.n_funcs = 0
        self.n_tables = 0
        self.n_mems = 0
        self.n_globals = 0
        self.n_imported_globals = 0
        self.global_types: list[GlobalType] = []

    def parse(self) -> Module:
        data = self.data
        if len(data) < 8:
            if data[:4] != MAGIC[: len(data)]:
                raise ModuleRejected("not a WebAssembly module (bad magic)")
            raise ModuleRejected(f"truncated in the module header at byte {len(data)}")
        if data[:4] != MAGIC:
            raise ModuleRejected("not a WebAssembly module (bad magic)")
        if data[4:8] != VERSION:
            version = int.from_bytes(data[4:8], "little")
            raise ModuleRejected(f"unsupported WebAssembly binary version {version} (expected 1)")
        top = _Reader(data, 8, len(data), "module")
        last_rank = -1
        last_id = None
        while top.pos < top.end:
            offset = top.pos
            sid = top.byte()
            if sid not in SECTION_RANK and sid != 0:
                raise ModuleRejected(f"unknown section id {sid} at byte {offset}")
            title = SectionId(sid).title
            top.where = title
            size = top.u32()
            if size > top.remaining:
                raise ModuleRejected(
                    f"truncated in the {title} at byte {len(data)} "
                    f"(the section says {size} bytes, {top.remaining} remain)"
                )
            content = top.pos
            top.pos += size
            top.where = "module"
            if sid != 0:
                rank = SECTION_RANK[sid]
                if rank <= last_rank:
                    assert last_id is not None
                    if sid == last_id:
                        raise ModuleRejected(f"a second {title} at byte {offset}")
                    raise ModuleRejected(
                        f"the {title} at byte {offset} is out of order (after the {SectionId(last_id).title})"
                    )
                last_rank, last_id = rank, sid
            self.sections.append(Section(sid, offset, content, content + size))
            r = _Reader(data, content, content + size, title)
            _SECTION_READERS[sid](self, r)
            r.expect_end()
        return self.finish()

    def finish(self) -> Module:
        if len(self.functions) != len(self.codes):
            raise ModuleRejected(
                f"the function section declares {len(self.functions)} functions "
                f"but the code section has {len(self.codes)} bodies"
            )
        if self.data_count is not None and self.data_count != len(self.datas):
            raise ModuleRejected(
                f"the data count section says {self.data_count} segments "
                f"but the data section has {len(self.datas)}"
            )
        return Module(
            size=len(self.data),
            sections=tuple(self.sections),
            types=tuple(self.types),
            imports=tuple(self.imports),
            functions=tuple(self.functions),
            tables=tuple(self.tables),
            memories=tuple(self.memories),
            globals=tuple(self.globals),
            exports=tuple(self.exports),
            start=self.start,
            elements=tuple(self.elements),
            data_count=self.data_count,
            codes=tuple(self.codes),
            datas=tuple(self.datas),
            customs=tuple(self.customs),
        )

    # Each reader consumes one section's content.

    def read_custom(self, r: _Reader) -> None:
        r.where = "custom section"
        name = r.name()
        r.where = f"custom section {name!r}"
        self.customs.append(Custom(name, r.pos, r.end))
        r.pos = r.end

    def read_type(self, r: _Reader) -> None:
        for _ in range(r.count("type", 3)):
            at = r.pos
            form = r.byte()
            if form != 0x60:
                raise r.fail(f"type form 0x{form:02x} is not a function type (0x60)", at)
            params = tuple(r.valtype() for _ in range(r.count("parameter")))
            results = tuple(r.valtype() for _ in range(r.count("result")))
            self.types.append(FuncType(params, results))

    def read_import(self, r: _Reader) -> None:
        for _ in range(r.count("import", 4)):
            at = r.pos
            module = r.name()
            name = r.name()
            kind_at = r.pos
            kind = r.byte()
            desc: int | TableType | Limits | GlobalType
            if kind == ExternKind.FUNC:
                desc = r.u32()
                if desc >= len(self.types):
                    raise r.fail(f"import {module}.{name} uses type {desc}, which does not exist", kind_at)
                self.n_funcs += 1
            elif kind == ExternKind.TABLE:
                desc = self.table_type(r)
                self.n_tables += 1
            elif kind == ExternKind.MEMORY:
                desc = r.limits("memory", MAX_PAGES)
                self.n_mems += 1
            elif kind == ExternKind.GLOBAL:
                desc = self.global_type(r)
                self.n_globals += 1
                self.n_imported_globals += 1
                self.global_types.append(desc)
            elif kind == 0x04:
                raise r.fail(f"tag imports (exception handling) {WASM3_UNSUPPORTED}", kind_at)
            else:
                raise r.fail(f"unknown import kind 0x{kind:02x}", kind_at)
            self.imports.append(Import(module, name, ExternKind(kind), desc, at))

    def read_function(self, r: _Reader) -> None:
        for _ in range(r.count("function")):
            at = r.pos
            t = r.u32()
            if t >= len(self.types):
                raise r.fail(f"function uses type {t}, which does not exist", at)
            self.functions.append(t)
        self.n_funcs += len(self.functions)

    def table_type(self, r: _Reader) -> TableType:
        at = r.pos
        elem = r.byte()
        if elem == 0x6F:
            raise r.fail(f"externref tables (reference types) {WASM3_UNSUPPORTED}", at)
        if elem != FUNCREF:
            raise r.fail(f"unknown table element type 0x{elem:02x}", at)
        return TableType(elem, r.limits("table", 0xFFFF_FFFF))

    def read_table(self, r: _Reader) -> None:
        for _ in range(r.count("table", 3)):
            self.tables.append(self.table_type(r))
        self.n_tables += len(self.tables)

    def read_memory(self, r: _Reader) -> None:
        for _ in range(r.count("memory", 2)):
            self.memories.append(r.limits("memory", MAX_PAGES))
        self.n_mems += len(self.memories)

    def global_type(self, r: _Reader) -> GlobalType:
        vt = r.valtype()
        at = r.pos
        mut = r.byte()
        if mut not in (0, 1):
            raise r.fail(f"global mutability flag is 0x{mut:02x}, not 0 or 1", at)
        return GlobalType(vt, bool(mut))

    def read_global(self, r: _Reader) -> None:
        for _ in range(r.count("global", 3)):
            gt = self.global_type(r)
            init = self.const_expr(r, gt.valtype)
            self.globals.append(Global(gt, init))
            self.global_types.append(gt)
        self.n_globals += len(self.globals)

    def const_expr(self, r: _Reader, valtype: ValType | None) -> ConstExpr:
        """One constant instruction and `end` (MVP §3.3.10); `valtype` None means a
        function reference (element expressions)."""
        at = r.pos
        op = r.byte()
        value: int | bytes | None
        produces: ValType | None
        if op == Op.I32_CONST:
            value, produces = r.s32(), ValType.I32
        elif op == Op.I64_CONST:
            value, produces = r.s64(), ValType.I64
        elif op == Op.F32_CONST:
            value, produces = r.bytes(4), ValType.F32
        elif op == Op.F64_CONST:
            value, produces = r.bytes(8), ValType.F64
        elif op == Op.GLOBAL_GET:
            value = r.u32()
            if value >= self.n_imported_globals:
                raise r.fail(f"constant expression reads global {value}, which is not an imported global", at)
            gt = self.global_types[value]
            if gt.mutable:
                raise r.fail(f"constant expression reads mutable global {value}", at)
            produces = gt.valtype
        elif op in (0xD0, 0xD2) and valtype is None:  # ref.null funcref / ref.func x
            if op == 0xD0:
                t_at = r.pos
                if r.byte() != FUNCREF:
                    raise r.fail("element expression is not a funcref", t_at)
                value = None
            else:
                value = r.u32()
                if value >= self.n_funcs:
                    raise r.fail(f"element refers to function {value}, which does not exist", at)
            produces = None
        else:
            raise r.fail(f"{opcode_name(op)} is not allowed in a constant expression", at)
        if produces is not valtype:
            want = "a function reference" if valtype is None else str(valtype)
            raise r.fail(f"constant expression gives {produces or 'a function reference'}, not {want}", at)
        end_at = r.pos
        if r.byte() != Op.END:
            raise r.fail("constant expression does not end after one instruction", end_at)
        return ConstExpr(op, value)

    def read_export(self, r: _Reader) -> None:
        seen: set[str] = set()
        limits = {
            ExternKind.FUNC: self.n_funcs,
            ExternKind.TABLE: self.n_tables,
            ExternKind.MEMORY: self.n_mems,
            ExternKind.GLOBAL: self.n_globals,
        }
        for _ in range(r.count("export", 3)):
            at = r.pos
            name = r.name()
            if name in seen:
                raise r.fail(f"export name {name!r} is used twice", at)
            seen.add(name)
            kind_at = r.pos
            kind = r.byte()
            if kind not in (0, 1, 2, 3):
                raise r.fail(f"unknown export kind 0x{kind:02x}", kind_at)
            ek = ExternKind(kind)
            index = r.u32()
            if index >= limits[ek]:
                raise r.fail(f"export {name!r} names {ek} {index}, which does not exist", at)
            self.exports.append(Export(name, ek, index))

    def read_start(self, r: _Reader) -> None:
        at = r.pos
        index = r.u32()
        if index >= self.n_funcs:
            raise r.fail(f"start function {index} does not exist", at)
        ft = self._func_type(index)
        if ft.params or ft.results:
            raise r.fail(f"start function {index} has type {ft}; it must take and return nothing", at)
        self.start = index

    def _func_type(self, index: int) -> FuncType:
        imported = [imp.desc for imp in self.imports if imp.kind is ExternKind.FUNC]
        t = imported[index] if index < len(imported) else self.functions[index - len(imported)]
        assert isinstance(t, int)
        return self.types[t]

    def read_element(self, r: _Reader) -> None:
        for _ in range(r.count("element segment", 2)):
            at = r.pos
            flags = r.u32()
            if flags > 7:
                raise r.fail(f"unknown element segment flags {flags}", at)
            # Bit 0: passive or declarative; bit 1: explicit table (active) or declarative
            # (otherwise); bit 2: element expressions instead of function indices (§5.5.12).
            mode = (
                SegmentMode.ACTIVE
                if not flags & 1
                else SegmentMode.DECLARATIVE
                if flags & 2
                else SegmentMode.PASSIVE
            )
            table = 0
            offset = None
            if mode is SegmentMode.ACTIVE:
                if flags & 2:
                    t_at = r.pos
                    table = r.u32()
                    if table >= self.n_tables:
                        raise r.fail(f"element segment targets table {table}, which does not exist", t_at)
                elif self.n_tables == 0:
                    raise r.fail("element segment targets table 0, which does not exist", at)
                offset = self.const_expr(r, ValType.I32)
            if flags & 3:  # an element kind or reference type byte follows
                k_at = r.pos
                kind = r.byte()
                want = FUNCREF if flags & 4 else 0x00
                if kind != want:
                    raise r.fail(f"element segment kind 0x{kind:02x} is not funcref", k_at)
            funcs: list[int | None] = []
            if flags & 4:
                for _ in range(r.count("element", 3)):
                    ce = self.const_expr(r, None)
                    funcs.append(ce.value if isinstance(ce.value, int) else None)
            else:
                for _ in range(r.count("element")):
                    f_at = r.pos
                    f = r.u32()
                    if f >= self.n_funcs:
                        raise r.fail(f"element refers to function {f}, which does not exist", f_at)
                    funcs.append(f)
            self.elements.append(Element(flags, mode, table, offset, tuple(funcs)))

    def read_data_count(self, r: _Reader) -> None:
        self.data_count = r.u32()

    def read_code(self, r: _Reader) -> None:
        n = r.count("function body")
        if n != len(self.functions):
            raise r.fail(
                f"code section has {n} bodies but the function section declares {len(self.functions)}", r.pos
            )
        for i in range(n):
            offset = r.pos
            size = r.u32()
            if size > r.remaining:
                raise r.truncated()
            body_end = r.pos + size
            b = _Reader(r.data, r.pos, body_end, r.where)
            locals_start = b.pos
            decls: list[tuple[int, ValType]] = []
            total = 0
            for _ in range(b.count("local declaration", 2)):
                c_at = b.pos
                count = b.u32()
                total += count
                if total > const.WASM_MAX_FUNCTION_LOCALS:
                    raise b.fail(
                        f"function {self.n_funcs - n + i} declares more than "
                        f"{const.WASM_MAX_FUNCTION_LOCALS} locals",
                        c_at,
                    )
                decls.append((count, b.valtype()))
            if b.pos >= body_end:
                raise b.truncated()
            self.codes.append(Code(offset, tuple(decls), locals_start, b.pos, body_end))
            r.pos = body_end

    def read_data(self, r: _Reader) -> None:
        for _ in range(r.count("data segment", 2)):
            at = r.pos
            flags = r.u32()
            memory = 0
            offset = None
            if flags == 0 or flags == 2:
                if flags == 2:
                    m_at = r.pos
                    memory = r.u32()
                    if memory >= self.n_mems:
                        raise r.fail(f"data segment targets memory {memory}, which does not exist", m_at)
                elif self.n_mems == 0:
                    raise r.fail("data segment targets memory 0, but the module has no memory", at)
                offset = self.const_expr(r, ValType.I32)
                mode = SegmentMode.ACTIVE
            elif flags == 1:
                mode = SegmentMode.PASSIVE
            else:
                raise r.fail(f"unknown data segment flags {flags}", at)
            length = r.u32()
            start = r.pos
            r.skip(length)
            self.datas.append(Data(flags, mode, memory, offset, start, start + length))


_SECTION_READERS: dict[int, Callable[[_Parser, _Reader], None]] = {
    SectionId.CUSTOM: _Parser.read_custom,
    SectionId.TYPE: _Parser.read_type,
    SectionId.IMPORT: _Parser.read_import,
    SectionId.FUNCTION: _Parser.read_function,
    SectionId.TABLE: _Parser.read_table,
    SectionId.MEMORY: _Parser.read_memory,
    SectionId.GLOBAL: _Parser.read_global,
    SectionId.EXPORT: _Parser.read_export,
    SectionId.START: _Parser.read_start,
    SectionId.ELEMENT: _Parser.read_element,
    SectionId.CODE: _Parser.read_code,
    SectionId.DATA: _Parser.read_data,
    SectionId.DATA_COUNT: _Parser.read_data_count,
}
assert set(_SECTION_READERS) == set(SectionId)


# --- Function bodies --------------------------------------------------------------------------


def decode_body(module: Module, data: bytes, index: int) -> list[Instr]:
    """Decode the body of defined function `index` (0 = the first non-imported function).

    Checks that every opcode is known, immediates are well formed and their indices exist,
    blocks nest and close, `else` follows `if`, branch depths name an enclosing block, and
    the final `end` is the body's last byte. Raises `ModuleRejected` otherwise.
    """
    return _Body(module, data, index).decode()


_make = tuple.__new__  # builds an Instr without NamedTuple's Python-level __new__


class _Body(_Reader):
    """A reader over one function body that knows the module's index spaces and the open
    blocks. `decode` reads the common instructions inline; the others go to the method for
    their immediate (`_IMMEDIATES`), which reads and checks it."""

    __slots__ = (
        "ctrl",
        "func",
        "module",
        "n_datas",
        "n_elems",
        "n_funcs",
        "n_globals",
        "n_locals",
        "n_mems",
        "n_tables",
        "n_types",
    )

    def __init__(self, module: Module, data: bytes, index: int) -> None:
        code = module.codes[index]
        super().__init__(data, code.body_start, code.end, "code section")
        self.module = module
        self.func = module.num_imported_functions + index
        self.n_locals = len(module.func_type(self.func).params) + code.num_locals
        self.n_types = len(module.types)
        self.n_funcs = module.num_functions
        self.n_globals = module.num_globals
        self.n_tables = module.num_tables
        self.n_mems = module.num_memories
        self.n_datas = module.data_count if module.data_count is not None else len(module.datas)
        self.n_elems = len(module.elements)
        # The opcode that opened each block, with the function's own block at the bottom
        # (depth counts from the top, spec §3.3.8).
        self.ctrl: list[int] = [Op.BLOCK]

    def reject(self, what: str, at: int) -> ModuleRejected:
        return ModuleRejected(f"{what} in function {self.func} at byte {at}")

    def decode(self) -> list[Instr]:
        """Every instruction, through the function's final `end`."""
        data, end, ctrl = self.data, self.end, self.ctrl
        n_locals, n_globals = self.n_locals, self.n_globals
        out: list[Instr] = []
        append = out.append
        # A fast path for the most common instructions (no immediate, or a one-byte local,
        # global or i32.const), without method calls: deploys of large modules are bounded
        # by this loop.
        kind_of = _ONE_BYTE_KINDS.get
        none, local, global_, i32 = Imm.NONE, Imm.LOCAL, Imm.GLOBAL, Imm.I32
        pos = self.pos
        while True:
            at = pos
            if at + 1 < end:
                op = data[at]
                kind = kind_of(op)
                if kind is none:
                    pos = at + 1
                    append(_make(Instr, (at, op, None, pos)))
                    continue
                b = data[at + 1]
                if b < 0x80:
                    if (kind is local and b < n_locals) or (kind is global_ and b < n_globals):
                        pos = at + 2
                        append(_make(Instr, (at, op, b, pos)))
                        continue
                    if kind is i32:
                        pos = at + 2
                        append(_make(Instr, (at, op, b - 0x80 if b & 0x40 else b, pos)))
                        continue
            ins = self.instruction(at)
            append(ins)
            if not ctrl:
                return out
            pos = ins.end

    def instruction(self, at: int) -> Instr:
        """The instruction at `at`, whatever it is."""
        if at >= self.end:
            raise ModuleRejected(
                f"truncated in the code section at byte {at} (function {self.func} is missing its end)"
            )
        op = self.data[at]
        self.pos = at + 1
        if op == 0xFC:
            op = self.prefixed(at)
        read = _IMMEDIATES.get(op)
        if read is None:
            raise self.unknown(op, at)
        imm = read(self, op, at)
        return _make(Instr, (at, op, imm, self.pos))

    def prefixed(self, at: int) -> int:
        # The spec says u32, but wasm3 reads one byte: refuse the encodings where the two
        # would disagree, so wasm3 sees the same instructions as the instrumenter.
        sub = self.u32()
        if self.pos != at + 2:
            raise self.reject(f"0xfc sub-opcode {sub} is not encoded in one byte", at)
        return PREFIX_FC | sub

    def unknown(self, op: int, at: int) -> ModuleRejected:
        refused = _REFUSED_OPCODES.get(op if op < PREFIX_FC else 0xFC)
        if refused is not None:
            return ModuleRejected(f"{refused} (function {self.func}, byte {at})")
        return self.reject(f"unknown opcode {opcode_name(op)}", at)

    # One method per kind of immediate: (opcode, offset) -> the immediate (see `Instr`).

    def no_immediate(self, op: int, at: int) -> None:
        return None

    def end_(self, op: int, at: int) -> None:
        self.ctrl.pop()
        if not self.ctrl and self.pos != self.end:
            raise ModuleRejected(
                f"function {self.func} ends at byte {at} but its body continues to byte {self.end}"
            )

    def else_(self, op: int, at: int) -> None:
        if self.ctrl[-1] != Op.IF:
            raise self.reject("else without if", at)
        self.ctrl[-1] = Op.ELSE

    def block_type(self, op: int, at: int) -> ValType | int | None:
        b = self.data[self.pos] if self.pos < self.end else None
        imm: ValType | int | None = None
        if b == 0x40:
            self.pos += 1
        elif b is not None and (b in _VALTYPES or b in _REFUSED_VALTYPES):
            imm = self.valtype()
        else:
            t_at = self.pos
            imm = self.s33()
            if not 0 <= imm < self.n_types:
                raise self.reject(f"block type {imm} does not exist", t_at)
        self.ctrl.append(op)
        return imm

    def label(self, op: int, at: int) -> int:
        depth = self.u32()
        if depth >= len(self.ctrl):
            raise self.reject(f"{OPCODES[op][0]} {depth} has no enclosing block", at)
        return depth

    def labels(self, op: int, at: int) -> tuple[int, ...]:
        n = self.count("br_table label")
        depths = tuple(self.u32() for _ in range(n + 1))
        if max(depths) >= len(self.ctrl):
            raise self.reject("br_table label has no enclosing block", at)
        return depths

    def function(self, op: int, at: int) -> int:
        return self.index_below(self.n_funcs, "call to function {}, which does not exist,", at)

    def call_indirect(self, op: int, at: int) -> tuple[int, int]:
        t = self.u32()
        table = self.zero_byte("call_indirect's table index")
        if t >= self.n_types:
            raise self.reject(f"call_indirect type {t} does not exist", at)
        if self.n_tables == 0:
            raise self.reject("call_indirect without a table", at)
        return (t, table)

    def local(self, op: int, at: int) -> int:
        return self.index_below(self.n_locals, "local {} does not exist", at)

    def global_(self, op: int, at: int) -> int:
        return self.index_below(self.n_globals, "global {} does not exist", at)

    def index_below(self, limit: int, what: str, at: int) -> int:
        """An index (u32), refused with `what` (the index in place of {}) unless below `limit`."""
        index = self.u32()
        if index >= limit:
            raise self.reject(what.format(index), at)
        return index

    def memarg(self, op: int, at: int) -> tuple[int, int]:
        self.need_memory(op, at)
        align = self.u32()
        if align > _NATURAL_ALIGN[op]:
            raise self.reject(f"{OPCODES[op][0]} alignment 2**{align} is larger than natural", at)
        return (align, self.u32())

    def need_memory(self, op: int, at: int) -> None:
        if self.n_mems == 0:
            raise self.reject(f"{OPCODES[op][0]} without a memory", at)

    def i32(self, op: int, at: int) -> int:
        return self.s32()

    def i64(self, op: int, at: int) -> int:
        return self.s64()

    def f32(self, op: int, at: int) -> bytes:
        return self.bytes(4)

    def f64(self, op: int, at: int) -> bytes:
        return self.bytes(8)

    def memory(self, op: int, at: int) -> tuple[int]:
        imm = (self.zero_byte(f"{OPCODES[op][0]}'s memory index"),)
        self.need_memory(op, at)
        return imm

    def memory_copy(self, op: int, at: int) -> tuple[int, int]:
        self.zero_byte("memory.copy's memory index")
        imm = (0, self.zero_byte("memory.copy's memory index"))
        self.need_memory(op, at)
        return imm

    def data_segment(self, op: int, at: int) -> tuple[int]:
        return (self.data_index(op, at),)

    def memory_init(self, op: int, at: int) -> tuple[int, int]:
        imm = (self.data_index(op, at), self.zero_byte("memory.init's memory index"))
        self.need_memory(op, at)
        return imm

    def data_index(self, op: int, at: int) -> int:
        index = self.u32()
        if self.module.data_count is None:
            raise ModuleRejected(
                f"{OPCODES[op][0]} needs a data count section (function {self.func}, byte {at})"
            )
        if index >= self.n_datas:
            raise self.reject(f"data segment {index} does not exist", at)
        return index

    def element(self, op: int, at: int) -> tuple[int]:
        return (self.element_index(at),)

    def table_init(self, op: int, at: int) -> tuple[int, int]:
        segment = self.element_index(at)
        table = self.u32()
        if table >= self.n_tables:
            raise self.reject(f"table.init without table {table}", at)
        return (segment, table)

    def element_index(self, at: int) -> int:
        return self.index_below(self.n_elems, "element segment {} does not exist", at)

    def table(self, op: int, at: int) -> tuple[int, ...]:
        return self.tables(op, at, (self.u32(),))

    def table_copy(self, op: int, at: int) -> tuple[int, ...]:
        return self.tables(op, at, (self.u32(), self.u32()))

    def tables(self, op: int, at: int, tables: tuple[int, ...]) -> tuple[int, ...]:
        if max(tables) >= self.n_tables:
            raise self.reject(f"{OPCODES[op][0]} without table {max(tables)}", at)
        return tables


_ImmediateReader = Callable[[_Body, int, int], object]

_BY_KIND: dict[Imm, _ImmediateReader] = {
    Imm.NONE: _Body.no_immediate,
    Imm.BLOCKTYPE: _Body.block_type,
    Imm.LABEL: _Body.label,
    Imm.LABELS: _Body.labels,
    Imm.FUNC: _Body.function,
    Imm.CALL_INDIRECT: _Body.call_indirect,
    Imm.LOCAL: _Body.local,
    Imm.GLOBAL: _Body.global_,
    Imm.MEMARG: _Body.memarg,
    Imm.MEMORY: _Body.memory,
    Imm.I32: _Body.i32,
    Imm.I64: _Body.i64,
    Imm.F32: _Body.f32,
    Imm.F64: _Body.f64,
    Imm.DATA: _Body.data_segment,
    Imm.MEMORY_INIT: _Body.memory_init,
    Imm.MEMORY_COPY: _Body.memory_copy,
    Imm.TABLE_INIT: _Body.table_init,
    Imm.ELEM: _Body.element,
    Imm.TABLE_COPY: _Body.table_copy,
    Imm.TABLE: _Body.table,
}
assert set(_BY_KIND) == set(Imm)

_IMMEDIATES: dict[int, _ImmediateReader] = {
    **{op: _BY_KIND[kind] for op, (_, kind) in OPCODES.items()},
    Op.END: _Body.end_,  # they close and switch blocks
    Op.ELSE: _Body.else_,
}
"""How `_Body` reads each opcode's immediate (and checks it against the module)."""


def iter_bodies(module: Module, data: bytes) -> Iterator[tuple[int, list[Instr]]]:
    """Decode every defined function in order, as (function index, instructions)."""
    base = module.num_imported_functions
    for i in range(len(module.codes)):
        yield base + i, decode_body(module, data, i)


# --- Writing -----------------------------------------------------------------------------------


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
