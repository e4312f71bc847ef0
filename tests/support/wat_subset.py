"""Assemble the WebAssembly text of the random-program generator, so its tests need no wabt.

`assemble(text)` turns a module written in the small subset of WAT that
tests/services/wasm/test_instrument.py's `program(seed)` emits into its binary (core spec
§5), using the encoders and opcode table of edge_agent's own binary package. The subset: a
module of `type` (func signatures), one `memory`, `global`s initialised with a constant, one
`table` of funcref with an active `elem` segment, and `func`s with inline exports, a type
use, named or unnamed params, results and locals, and a flat (unfolded) instruction list —
block/loop/if with an optional label and a block type, else, end, br/br_if/br_table by
label name or depth, return, unreachable, nop, call, call_indirect (type X), local and
global get/set/tee, i32.const, the i32 comparisons and arithmetic, select, drop,
memory.size/grow/fill/copy, i32.load and i32.store without offset or alignment.

Anything else raises `WatSubsetError` naming the token, rather than being guessed at: this is
a test tool that must agree with wabt on what it accepts, not a second WAT implementation.
Nor does it type-check: the generator's programs are valid by construction, edge_agent's
reader checks their structure and wasm3 their types.

Types implied by a function's signature or a block type are found or appended in text order,
as wabt does, so the output matches wat2wasm's byte for byte on the generator's programs
(tests/services/wasm/test_instrument.py checks it against the binaries wabt made).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from edge_agent.services.wasm.binary import (
    FUNCREF,
    MAGIC,
    OPCODES,
    PREFIX_FC,
    VERSION,
    ExternKind,
    FuncType,
    Imm,
    SectionId,
    ValType,
    encode_func_type,
    encode_name,
    encode_s64,
    encode_section,
    encode_u32,
    encode_vec,
)
from edge_agent.services.wasm.binary.opcodes import NATURAL_ALIGN

Sexpr = str | list["Sexpr"]

_I32_OPS = (
    "i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u "
    "i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u "
    "i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr"
)
_OTHER_OPS = (
    "unreachable nop block loop if else end br br_if br_table return call call_indirect drop select "
    "local.get local.set local.tee global.get global.set i32.const i32.load i32.store "
    "memory.size memory.grow memory.fill memory.copy"
)
_NAMES = frozenset(f"{_I32_OPS} {_OTHER_OPS}".split())
SUBSET: dict[str, tuple[int, Imm]] = {
    name: (opcode, imm) for opcode, (name, imm) in OPCODES.items() if name in _NAMES
}
"""The instructions `assemble` knows: name -> (opcode, kind of immediate)."""

_VALTYPES = {str(v): v for v in (ValType.I32, ValType.I64)}
_TOKEN = re.compile(r'\s*(?:(\()|(\))|("[^"\\]*")|([^\s()";]+)|(\S))')
_INT = re.compile(r"-?(?:0x[0-9a-fA-F]+|[0-9]+)")
_LABEL_REF = re.compile(r"\$\S+|[0-9]+")


class WatSubsetError(ValueError):
    """The text is outside the subset, or wrong within it; the message names the token."""


def assemble(text: str) -> bytes:
    """The binary of a module in the subset (see the module docstring)."""
    tree = _parse(text)
    if not tree or tree[0] != "module":
        raise WatSubsetError(f"expected (module ...), got {_show(tree)}")
    return _Module(tree[1:]).encode()


# --- Text into nested lists ---------------------------------------------------------------


def _parse(text: str) -> list[Sexpr]:
    stack: list[list[Sexpr]] = [[]]
    for opening, closing, string, atom, bad in _tokens(text):
        if bad:
            raise WatSubsetError(f"{bad!r}: comments, escapes and stray characters are not in the subset")
        if opening:
            stack.append([])
        elif closing:
            if len(stack) == 1:
                raise WatSubsetError("')' closes nothing")
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(string or atom)
    if len(stack) != 1 or len(stack[0]) != 1 or not isinstance(stack[0][0], list):
        raise WatSubsetError("the text must be exactly one balanced (module ...)")
    return stack[0][0]


def _tokens(text: str) -> Iterator[tuple[str, ...]]:
    end = len(text.rstrip())
    pos = 0
    while pos < end:
        match = _TOKEN.match(text, pos)
        assert match is not None  # the last alternative takes any non-space character
        pos = match.end()
        yield tuple(group or "" for group in match.groups())


def _show(item: Sexpr | list[Sexpr]) -> str:
    if isinstance(item, str):
        return item
    return "(" + " ".join(_show(i) for i in item)[:60] + ")"


def _atom(item: Sexpr, what: str) -> str:
    if not isinstance(item, str):
        raise WatSubsetError(f"{_show(item)}: expected {what}")
    return item


def _head(item: Sexpr | None) -> str | None:
    return item[0] if isinstance(item, list) and item and isinstance(item[0], str) else None


def _only(item: Sexpr) -> Sexpr:
    """The one thing in (keyword THING)."""
    if not isinstance(item, list) or len(item) != 2:
        raise WatSubsetError(f"{_show(item)}: expected ({_head(item)} X) with one X")
    return item[1]


def _valtype(item: Sexpr) -> ValType:
    name = _atom(item, "a value type")
    if name not in _VALTYPES:
        raise WatSubsetError(f"{name}: not a value type of the subset (i32, i64)")
    return _VALTYPES[name]


def _integer(item: Sexpr, low: int, high: int) -> int:
    token = _atom(item, "an integer")
    if not _INT.fullmatch(token):
        raise WatSubsetError(f"{token}: not an integer of the subset (decimal or 0x hex)")
    value = int(token, 16 if "x" in token else 10)
    if not low <= value <= high:
        raise WatSubsetError(f"{token}: out of range [{low}, {high}]")
    return value


def _i32(item: Sexpr) -> int:
    """An i32 literal, signed or unsigned, as the signed value the binary stores."""
    value = _integer(item, -(1 << 31), (1 << 32) - 1)
    return value - (1 << 32) if value >= 1 << 31 else value


# --- Names and signatures -----------------------------------------------------------------


@dataclass(slots=True)
class _Space:
    """One index space (types, functions, globals, locals): indices by $name."""

    what: str
    names: dict[str, int] = field(default_factory=dict)
    count: int = 0

    def add(self, name: str | None) -> int:
        if name is not None:
            if name in self.names:
                raise WatSubsetError(f"{name}: a second {self.what} of that name")
            self.names[name] = self.count
        self.count += 1
        return self.count - 1

    def index(self, item: Sexpr) -> int:
        token = _atom(item, f"a {self.what} name or index")
        if token.startswith("$"):
            if token not in self.names:
                raise WatSubsetError(f"{token}: no {self.what} of that name")
            return self.names[token]
        index = _integer(token, 0, (1 << 32) - 1)
        if index >= self.count:
            raise WatSubsetError(f"{token}: no {self.what} with that index")
        return index


def _name(items: list[Sexpr]) -> tuple[str | None, list[Sexpr]]:
    """An optional $name at the front of a field's items."""
    if items and isinstance(items[0], str) and items[0].startswith("$"):
        return items[0], items[1:]
    return None, items


def _decls(item: list[Sexpr]) -> list[tuple[str | None, ValType]]:
    """(param $n T), (param T T ...), and the same for result and local."""
    name, rest = _name(item[1:])
    if name is not None:
        if len(rest) != 1:
            raise WatSubsetError(f"{_show(item)}: a named {item[0]} declares one value")
        return [(name, _valtype(rest[0]))]
    return [(None, _valtype(v)) for v in rest]


def _signature(items: list[Sexpr]) -> tuple[FuncType, list[str | None], list[Sexpr]]:
    """The (param ...) and (result ...) lists at the front of `items`: the signature, the
    parameters' names, and what follows."""
    params: list[tuple[str | None, ValType]] = []
    results: list[ValType] = []
    while items and _head(items[0]) in ("param", "result"):
        item = items[0]
        assert isinstance(item, list)
        decls = _decls(item)
        if item[0] == "param":
            if results:
                raise WatSubsetError(f"{_show(item)}: params come before results")
            params += decls
        else:
            if any(n is not None for n, _ in decls):
                raise WatSubsetError(f"{_show(item)}: results have no names")
            results += [t for _, t in decls]
        items = items[1:]
    return FuncType(tuple(t for _, t in params), tuple(results)), [n for n, _ in params], items


# --- The module ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Func:
    name: str | None
    exports: list[str]
    type_index: int
    param_names: list[str | None]
    locals: list[tuple[str | None, ValType]]
    body: list[Sexpr]


class _Module:
    """The fields of one module, read in text order, then encoded section by section."""

    def __init__(self, fields: list[Sexpr]) -> None:
        self.types: list[FuncType] = []
        self.type_space = _Space("type")
        self.func_space = _Space("function")
        self.global_space = _Space("global")
        self.funcs: list[_Func] = []
        self.sections: dict[SectionId, list[bytes]] = {}
        self.elem: list[Sexpr] | None = None
        readers: dict[str, Callable[[list[Sexpr]], None]] = {
            "type": self._type,
            "memory": self._memory,
            "global": self._global,
            "table": self._table,
            "elem": self._elem,
            "func": self._func,
        }
        for item in fields:
            head = _head(item)
            if head not in readers:
                raise WatSubsetError(f"{_show(item)}: not a module field of the subset ({' '.join(readers)})")
            assert isinstance(item, list) and head is not None
            readers[head](item[1:])

    def _add(self, sid: SectionId, entry: bytes, *, once: bool = False) -> None:
        entries = self.sections.setdefault(sid, [])
        if once and entries:
            raise WatSubsetError(f"a second entry in the {sid.title}: not in the subset")
        entries.append(entry)

    def type_index(self, ft: FuncType) -> int:
        """The first type equal to `ft`, appended if there is none (as wabt does)."""
        if ft in self.types:
            return self.types.index(ft)
        self.types.append(ft)
        return self.type_space.add(None)

    def _type(self, items: list[Sexpr]) -> None:
        name, rest = _name(items)
        if len(rest) != 1 or _head(rest[0]) != "func":
            raise WatSubsetError(f"(type {_show(rest)}): expected (type $name? (func ...))")
        inner = rest[0]
        assert isinstance(inner, list)
        ft, _, left = _signature(inner[1:])
        if left:
            raise WatSubsetError(f"{_show(left[0])}: unexpected in a func type")
        self.types.append(ft)
        self.type_space.add(name)

    def _memory(self, items: list[Sexpr]) -> None:
        self._add(SectionId.MEMORY, _limits(items, 1 << 16), once=True)

    def _table(self, items: list[Sexpr]) -> None:
        if not items or items[-1] != "funcref":
            raise WatSubsetError(f"(table {_show(items)}): only (table MIN MAX? funcref) is in the subset")
        self._add(SectionId.TABLE, bytes((FUNCREF,)) + _limits(items[:-1], (1 << 32) - 1), once=True)

    def _global(self, items: list[Sexpr]) -> None:
        name, rest = _name(items)
        if len(rest) != 2:
            raise WatSubsetError(f"(global {_show(items)}): expected (global $name? TYPE (T.const N))")
        kind, init = rest
        mutable = _head(kind) == "mut"
        valtype = _valtype(_only(kind) if mutable else kind)
        self._add(SectionId.GLOBAL, bytes((valtype, mutable)) + _const_expr(init, valtype))
        self.global_space.add(name)

    def _elem(self, items: list[Sexpr]) -> None:
        if not items or _head(items[0]) != "i32.const":
            raise WatSubsetError(f"(elem {_show(items)}): only (elem (i32.const N) FUNC...) is in the subset")
        if self.elem is not None:
            raise WatSubsetError("a second elem segment: not in the subset")
        self.elem = items  # resolved when encoding: the functions may come later in the text

    def _func(self, items: list[Sexpr]) -> None:
        name, rest = _name(items)
        exports = []
        while rest and _head(rest[0]) == "export":
            exports.append(_string(_only(rest[0])))
            rest = rest[1:]
        type_use = None
        if rest and _head(rest[0]) == "type":
            type_use = self.type_space.index(_only(rest[0]))
            rest = rest[1:]
        ft, param_names, rest = _signature(rest)
        if type_use is None:
            type_use = self.type_index(ft)
        elif (ft.params or ft.results) and ft != self.types[type_use]:
            raise WatSubsetError(f"{name or 'a function'}: its signature {ft} differs from its type's")
        locals_: list[tuple[str | None, ValType]] = []
        while rest and _head(rest[0]) == "local":
            local = rest[0]
            assert isinstance(local, list)
            locals_ += _decls(local)
            rest = rest[1:]
        if not param_names:
            param_names = [None] * len(self.types[type_use].params)
        self.funcs.append(_Func(name, exports, type_use, param_names, locals_, rest))
        self.func_space.add(name)

    def encode(self) -> bytes:
        # First, as bodies may add block types.
        codes = [_Body(self, func, index).encode() for index, func in enumerate(self.funcs)]
        exports = [
            encode_name(export) + bytes((ExternKind.FUNC,)) + encode_u32(index)
            for index, func in enumerate(self.funcs)
            for export in func.exports
        ]
        sections = {
            SectionId.TYPE: [encode_func_type(ft) for ft in self.types],
            SectionId.FUNCTION: [encode_u32(func.type_index) for func in self.funcs],
            SectionId.TABLE: self.sections.get(SectionId.TABLE, []),
            SectionId.MEMORY: self.sections.get(SectionId.MEMORY, []),
            SectionId.GLOBAL: self.sections.get(SectionId.GLOBAL, []),
            SectionId.EXPORT: exports,
            SectionId.ELEMENT: [] if self.elem is None else [self._elem_segment(self.elem)],
            SectionId.CODE: codes,
        }
        return (
            MAGIC
            + VERSION
            + b"".join(
                encode_section(sid, encode_vec(entries)) for sid, entries in sections.items() if entries
            )
        )

    def _elem_segment(self, items: list[Sexpr]) -> bytes:
        offset, *funcs = items
        # Flags 0: active, table 0, an offset expression, then function indices (spec §5.5.12).
        return (
            encode_u32(0)
            + _const_expr(offset, ValType.I32)
            + encode_vec([encode_u32(self.func_space.index(f)) for f in funcs])
        )


def _limits(items: list[Sexpr], most: int) -> bytes:
    numbers = [_integer(item, 0, most) for item in items]
    if len(numbers) == 1:
        return b"\x00" + encode_u32(numbers[0])
    if len(numbers) == 2:
        return b"\x01" + encode_u32(numbers[0]) + encode_u32(numbers[1])
    raise WatSubsetError(f"{_show(items)}: expected MIN MAX?")


def _const_expr(item: Sexpr, valtype: ValType) -> bytes:
    """(i32.const N) or (i64.const N) of `valtype`, as an expression ending in `end`."""
    if _head(item) != f"{valtype}.const" or not isinstance(item, list) or len(item) != 2:
        raise WatSubsetError(f"{_show(item)}: expected ({valtype}.const N)")
    if valtype is ValType.I32:
        return b"\x41" + encode_s64(_i32(item[1])) + b"\x0b"
    return b"\x42" + encode_s64(_integer(item[1], -(1 << 63), (1 << 64) - 1)) + b"\x0b"


def _string(item: Sexpr) -> str:
    token = _atom(item, "a string")
    if len(token) < 2 or token[0] != '"' or token[-1] != '"':
        raise WatSubsetError(f'{token}: expected a "string"')
    return token[1:-1]


# --- Function bodies ----------------------------------------------------------------------


class _Body:
    """One function's locals and flat instruction list, encoded; labels resolved by name."""

    def __init__(self, module: _Module, func: _Func, index: int) -> None:
        self.module = module
        self.func = func
        self.where = func.name or f"function {index}"
        self.locals = _Space(f"local of {self.where}")
        for name in (*func.param_names, *(n for n, _ in func.locals)):
            self.locals.add(name)
        self.labels: list[str | None] = []
        self.items = func.body
        self.pos = 0
        self.out = bytearray()

    def encode(self) -> bytes:
        runs: list[tuple[int, ValType]] = []  # consecutive locals of one type share an entry
        for _, valtype in self.func.locals:
            if runs and runs[-1][1] is valtype:
                runs[-1] = (runs[-1][0] + 1, valtype)
            else:
                runs.append((1, valtype))
        while self.pos < len(self.items):
            self.instruction(_atom(self.next(), "an instruction (folded forms are not in the subset)"))
        if self.labels:
            raise WatSubsetError(f"{self.where}: {len(self.labels)} block(s) without end")
        code = encode_vec([encode_u32(n) + bytes((t,)) for n, t in runs]) + bytes(self.out) + b"\x0b"
        return encode_u32(len(code)) + code

    def next(self) -> Sexpr:
        item = self.items[self.pos]
        self.pos += 1
        return item

    def peek(self) -> Sexpr | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def instruction(self, name: str) -> None:
        if name not in SUBSET:
            raise WatSubsetError(f"{name}: not an instruction of the WAT subset this assembler knows")
        opcode, imm = SUBSET[name]
        if opcode >= PREFIX_FC:
            self.out += b"\xfc" + encode_u32(opcode & 0xFF)
        else:
            self.out.append(opcode)
        if name == "end":
            if not self.labels:
                raise WatSubsetError(f"{self.where}: an end that closes no block")
            self.labels.pop()
        self.out += _IMMEDIATES[imm](self, opcode)

    def block_type(self, opcode: int) -> bytes:
        label, _ = _name(self.items[self.pos : self.pos + 1])
        self.pos += label is not None
        self.labels.append(label)
        start = self.pos
        while _head(self.peek()) in ("param", "result"):
            self.pos += 1
        ft, names, _ = _signature(self.items[start : self.pos])
        if any(n is not None for n in names):
            raise WatSubsetError(f"{label or 'a block'}: block parameters have no names")
        if not ft.params and not ft.results:
            return b"\x40"
        if not ft.params and len(ft.results) == 1:
            return bytes((ft.results[0],))
        return encode_s64(self.module.type_index(ft))

    def label(self, opcode: int) -> bytes:
        token = _atom(self.next(), "a label")
        if token.startswith("$"):
            for depth, name in enumerate(reversed(self.labels)):
                if name == token:
                    return encode_u32(depth)
            raise WatSubsetError(f"{token}: no enclosing block of that name")
        return encode_u32(_integer(token, 0, len(self.labels)))

    def label_table(self, opcode: int) -> bytes:
        """br_table's labels: every name or depth up to the next instruction; the last is the default."""
        depths = [self.label(opcode)]
        while isinstance(after := self.peek(), str) and _LABEL_REF.fullmatch(after):
            depths.append(self.label(opcode))
        return encode_vec(depths[:-1]) + depths[-1]

    def call_indirect(self, opcode: int) -> bytes:
        use = self.next()
        if _head(use) != "type":
            raise WatSubsetError(f"call_indirect {_show(use)}: only call_indirect (type X) is in the subset")
        return encode_u32(self.module.type_space.index(_only(use))) + b"\x00"  # table 0


def _memarg(body: _Body, opcode: int) -> bytes:
    """Natural alignment, offset 0: offset= and align= are not in the subset."""
    return encode_u32(NATURAL_ALIGN[opcode]) + encode_u32(0)


_IMMEDIATES: dict[Imm, Callable[[_Body, int], bytes]] = {
    Imm.NONE: lambda body, op: b"",
    Imm.BLOCKTYPE: _Body.block_type,
    Imm.LABEL: _Body.label,
    Imm.LABELS: _Body.label_table,
    Imm.FUNC: lambda body, op: encode_u32(body.module.func_space.index(body.next())),
    Imm.CALL_INDIRECT: _Body.call_indirect,
    Imm.LOCAL: lambda body, op: encode_u32(body.locals.index(body.next())),
    Imm.GLOBAL: lambda body, op: encode_u32(body.module.global_space.index(body.next())),
    Imm.MEMARG: _memarg,
    Imm.MEMORY: lambda body, op: b"\x00",  # memory 0
    Imm.MEMORY_COPY: lambda body, op: b"\x00\x00",  # from memory 0 to memory 0
    Imm.I32: lambda body, op: encode_s64(_i32(body.next())),
}
"""How each kind of immediate the subset uses is read from the text and encoded."""
