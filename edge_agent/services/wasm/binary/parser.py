"""Read a module's sections into a `Module` (spec §5.5): sizes, order, indices and constant
expressions checked; function bodies only as far as their size and local declarations."""

from __future__ import annotations

from collections.abc import Callable

from edge_agent import const
from edge_agent.services.wasm.binary.model import (
    FUNCREF,
    MAGIC,
    MAX_PAGES,
    SECTION_RANK,
    VERSION,
    WASM3_UNSUPPORTED,
    Code,
    ConstExpr,
    Custom,
    Data,
    Element,
    Export,
    ExternKind,
    FuncType,
    Global,
    GlobalType,
    Import,
    Limits,
    Module,
    Section,
    SectionId,
    SegmentMode,
    TableType,
    ValType,
)
from edge_agent.services.wasm.binary.opcodes import Op, opcode_name
from edge_agent.services.wasm.binary.reader import Reader
from edge_agent.services.wasm.errors import ModuleRejected


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
        top = Reader(data, 8, len(data), "module")
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
            r = Reader(data, content, content + size, title)
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

    def read_custom(self, r: Reader) -> None:
        r.where = "custom section"
        name = r.name()
        r.where = f"custom section {name!r}"
        self.customs.append(Custom(name, r.pos, r.end))
        r.pos = r.end

    def read_type(self, r: Reader) -> None:
        for _ in range(r.count("type", 3)):
            at = r.pos
            form = r.byte()
            if form != 0x60:
                raise r.fail(f"type form 0x{form:02x} is not a function type (0x60)", at)
            params = tuple(r.valtype() for _ in range(r.count("parameter")))
            results = tuple(r.valtype() for _ in range(r.count("result")))
            self.types.append(FuncType(params, results))

    def read_import(self, r: Reader) -> None:
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

    def read_function(self, r: Reader) -> None:
        for _ in range(r.count("function")):
            at = r.pos
            t = r.u32()
            if t >= len(self.types):
                raise r.fail(f"function uses type {t}, which does not exist", at)
            self.functions.append(t)
        self.n_funcs += len(self.functions)

    def table_type(self, r: Reader) -> TableType:
        at = r.pos
        elem = r.byte()
        if elem == 0x6F:
            raise r.fail(f"externref tables (reference types) {WASM3_UNSUPPORTED}", at)
        if elem != FUNCREF:
            raise r.fail(f"unknown table element type 0x{elem:02x}", at)
        return TableType(elem, r.limits("table", 0xFFFF_FFFF))

    def read_table(self, r: Reader) -> None:
        for _ in range(r.count("table", 3)):
            self.tables.append(self.table_type(r))
        self.n_tables += len(self.tables)

    def read_memory(self, r: Reader) -> None:
        for _ in range(r.count("memory", 2)):
            self.memories.append(r.limits("memory", MAX_PAGES))
        self.n_mems += len(self.memories)

    def global_type(self, r: Reader) -> GlobalType:
        vt = r.valtype()
        at = r.pos
        mut = r.byte()
        if mut not in (0, 1):
            raise r.fail(f"global mutability flag is 0x{mut:02x}, not 0 or 1", at)
        return GlobalType(vt, bool(mut))

    def read_global(self, r: Reader) -> None:
        for _ in range(r.count("global", 3)):
            gt = self.global_type(r)
            init = self.const_expr(r, gt.valtype)
            self.globals.append(Global(gt, init))
            self.global_types.append(gt)
        self.n_globals += len(self.globals)

    def const_expr(self, r: Reader, valtype: ValType | None) -> ConstExpr:
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

    def read_export(self, r: Reader) -> None:
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

    def read_start(self, r: Reader) -> None:
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

    def read_element(self, r: Reader) -> None:
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
                absent = "element segment targets table {}, which does not exist"
                table = self.segment_target(r, bool(flags & 2), self.n_tables, absent, absent.format(0), at)
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

    def read_data_count(self, r: Reader) -> None:
        self.data_count = r.u32()

    def read_code(self, r: Reader) -> None:
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
            b = Reader(r.data, r.pos, body_end, r.where)
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

    @staticmethod
    def segment_target(r: Reader, explicit: bool, count: int, absent: str, none: str, at: int) -> int:
        """The table or memory an active segment fills: its index if `explicit`, else 0;
        refused with `absent` (the index in place of {}) or, if there are none, `none`."""
        if not explicit:
            if count == 0:
                raise r.fail(none, at)
            return 0
        index_at = r.pos
        index = r.u32()
        if index >= count:
            raise r.fail(absent.format(index), index_at)
        return index

    def read_data(self, r: Reader) -> None:
        for _ in range(r.count("data segment", 2)):
            at = r.pos
            flags = r.u32()
            memory = 0
            offset = None
            if flags == 0 or flags == 2:
                memory = self.segment_target(
                    r, flags == 2, self.n_mems, "data segment targets memory {}, which does not exist",
                    "data segment targets memory 0, but the module has no memory", at,
                )
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


_SECTION_READERS: dict[int, Callable[[_Parser, Reader], None]] = {
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
