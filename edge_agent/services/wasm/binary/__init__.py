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

The parts: model.py (what a module is made of), opcodes.py (the instruction set),
reader.py (bounds-checked LEB128 and friends), parser.py (sections into a `Module`),
body.py (function bodies into instructions), writer.py (what the instrumenter emits).
Import the names from here.
"""

from __future__ import annotations

from edge_agent.services.wasm.binary.body import (
    decode_body,
    iter_bodies,
)
from edge_agent.services.wasm.binary.model import (
    FUNCREF,
    MAGIC,
    MAX_PAGES,
    SECTION_ORDER,
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
from edge_agent.services.wasm.binary.opcodes import (
    OPCODES,
    PREFIX_FC,
    Imm,
    Instr,
    Op,
    label_depths,
    opcode_name,
)
from edge_agent.services.wasm.binary.parser import (
    parse_module,
)
from edge_agent.services.wasm.binary.reader import (
    Reader,
)
from edge_agent.services.wasm.binary.writer import (
    encode_func_type,
    encode_name,
    encode_s64,
    encode_section,
    encode_u32,
    encode_vec,
)

# The LEB128 tests read integers with the reader directly (tests/services/wasm/test_binary.py).
_Reader = Reader

__all__ = [
    "Code",
    "ConstExpr",
    "Custom",
    "Data",
    "Element",
    "Export",
    "ExternKind",
    "FUNCREF",
    "FuncType",
    "Global",
    "GlobalType",
    "Imm",
    "Import",
    "Instr",
    "Limits",
    "MAGIC",
    "MAX_PAGES",
    "Module",
    "OPCODES",
    "Op",
    "PREFIX_FC",
    "Reader",
    "SECTION_ORDER",
    "SECTION_RANK",
    "Section",
    "SectionId",
    "SegmentMode",
    "TableType",
    "VERSION",
    "ValType",
    "WASM3_UNSUPPORTED",
    "decode_body",
    "encode_func_type",
    "encode_name",
    "encode_s64",
    "encode_section",
    "encode_u32",
    "encode_vec",
    "iter_bodies",
    "label_depths",
    "opcode_name",
    "parse_module",
]
