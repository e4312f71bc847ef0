"""What a module is made of: value and section kinds, and the `Module` description the
reader builds (spec §5.3, §5.5). Pure data, no parsing."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from edge_agent.services.wasm.limits import MAX_PAGES as MAX_PAGES

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

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

VALTYPES = {int(v): v for v in ValType}
REFUSED_VALTYPES = {
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
