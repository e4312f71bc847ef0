"""Decode and check one function body (spec §5.4, §3.3): a fast inline path for the common
instructions, one method per kind of immediate for the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from edge_agent.services.wasm.binary.model import (
    REFUSED_VALTYPES,
    VALTYPES,
    Module,
    ValType,
)
from edge_agent.services.wasm.binary.opcodes import (
    NATURAL_ALIGN,
    OPCODES,
    PREFIX_FC,
    REFUSED_OPCODES,
    Imm,
    Instr,
    Op,
    opcode_name,
)
from edge_agent.services.wasm.binary.reader import Reader
from edge_agent.services.wasm.errors import ModuleRejected

# The one-byte opcodes decode_body's fast path handles (not end and else: they move blocks).
_ONE_BYTE_KINDS = {
    op: kind
    for op, (_, kind) in OPCODES.items()
    if op < 0x100 and op not in (0x05, 0x0B) and kind in (Imm.NONE, Imm.LOCAL, Imm.GLOBAL, Imm.I32)
}


def decode_body(module: Module, data: bytes, index: int) -> list[Instr]:
    """Decode the body of defined function `index` (0 = the first non-imported function).

    Checks that every opcode is known, immediates are well formed and their indices exist,
    blocks nest and close, `else` follows `if`, branch depths name an enclosing block, and
    the final `end` is the body's last byte. Raises `ModuleRejected` otherwise.
    """
    return _Body(module, data, index).decode()


_make = tuple.__new__  # builds an Instr without NamedTuple's Python-level __new__


class _Body(Reader):
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
        refused = REFUSED_OPCODES.get(op if op < PREFIX_FC else 0xFC)
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
        elif b is not None and (b in VALTYPES or b in REFUSED_VALTYPES):
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
        if align > NATURAL_ALIGN[op]:
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
