"""Decide at deploy time whether a module may run here, and describe what it offers.

One job: apply the service ABI (docs/service-abi.md, version 1) and what wasm3 0.5 can run
to a module's bytes, and return a `ModuleInfo` — or raise `ModuleRejected` with a message
that tells the module's author what to change. The checks, in order: size (before
parsing), well-formedness (the binary package, every function body decoded), features wasm3 lacks,
imports (only the host functions below, with their exact types; no imported memory, table
or global), memory (at most one, with a maximum within the limit), the ABI declaration and
its required exports, and reserved export names.

Pure: no I/O, no wasm3.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from edge_agent import const
from edge_agent.services.wasm import binary
from edge_agent.services.wasm.binary import (
    ExternKind,
    FuncType,
    Module,
    Op,
    SegmentMode,
    ValType,
)
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.instrument import RESERVED_EXPORT_PREFIX

ABI_SECTION = "edge-agent.abi"
"""Custom section whose content, ASCII digits, declares the service ABI version."""

ABI_VERSION = 1
"""The service ABI version this host implements."""

HOST_MODULE = "env"
"""The only import module the host provides."""

_I32, _I64, _F64 = ValType.I32, ValType.I64, ValType.F64

HOST_IMPORTS: Mapping[str, FuncType] = MappingProxyType(
    {
        "ea_log": FuncType((_I32, _I32, _I32), ()),
        "ea_clock_monotonic_ns": FuncType((), (_I64,)),
        "ea_clock_wall_ms": FuncType((), (_I64,)),
        "ea_random": FuncType((_I32, _I32), (_I32,)),
        "ea_kv_get": FuncType((_I32, _I32, _I32, _I32), (_I32,)),
        "ea_kv_put": FuncType((_I32, _I32, _I32, _I32), (_I32,)),
        "ea_kv_delete": FuncType((_I32, _I32), (_I32,)),
        "ea_sensor_read": FuncType((_I32, _I32, _I32), (_I32,)),
        "ea_caller": FuncType((_I32, _I32), (_I32,)),
    }
)
"""The functions the host provides in module ``env`` and their types (service ABI v1)."""

ALLOC_EXPORT = "ea_alloc"
FREE_EXPORT = "ea_free"
MEMORY_EXPORT = "memory"
ALLOC_TYPE = FuncType((_I32,), (_I32,))
FREE_TYPE = FuncType((_I32, _I32), ())
CBOR_TYPE = FuncType((_I32, _I32), (_I64,))
"""A CBOR function: (argument pointer, length) -> (reply pointer << 32) | reply length."""

_NUMBER_TYPES = frozenset(ValType)

# What wasm3 0.5 cannot run although the binary package reads it: bulk memory beyond copy and fill,
# and the table instructions (its opcode table has no entry for them; tested).
_UNSUPPORTED_OPS = frozenset(
    (
        Op.MEMORY_INIT, Op.DATA_DROP, Op.TABLE_INIT, Op.ELEM_DROP,
        Op.TABLE_COPY, Op.TABLE_GROW, Op.TABLE_SIZE, Op.TABLE_FILL,
    )
)


class CallKind(enum.Enum):
    """How a script may call an exported function (docs/service-abi.md, "Two kinds")."""

    NUMERIC = "numeric"
    """Numbers in, at most one number out."""
    CBOR = "cbor"
    """The argument list as CBOR in memory, a CBOR reply back (ABI modules only)."""
    NOT_CALLABLE = "not callable"


@dataclass(frozen=True, slots=True)
class FunctionKind:
    """An exported function's signature and how a script may call it; `reason` says why
    one is not callable."""

    params: tuple[ValType, ...]
    results: tuple[ValType, ...]
    kind: CallKind
    reason: str = ""

    @property
    def callable(self) -> bool:
        return self.kind is not CallKind.NOT_CALLABLE

    @property
    def signature(self) -> str:
        return str(FuncType(self.params, self.results))


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """What a validated module is and offers; kept with the deployed service."""

    size: int
    """Bytes, as deployed (before instrumentation)."""
    sha256: str
    """Hex digest of the deployed bytes."""
    abi_version: int | None
    """The declared service ABI version, or None for a module of numeric functions only."""
    memory_min: int | None
    """Initial memory, in 64 KiB pages; None if the module has no memory."""
    memory_max: int | None
    """Declared memory maximum, in pages (always set when there is a memory)."""
    functions: Mapping[str, FunctionKind]
    """Every exported function by export name, callable or not."""
    imports: tuple[str, ...]
    """The host functions it imports (names in module ``env``), in import order."""
    has_start: bool
    """It has a start function; the host runs it after loading (instrument.START_EXPORT)."""
    has_free: bool
    """An ABI module that exports ea_free: the host calls it after each call."""

    @property
    def callable(self) -> tuple[str, ...]:
        """Names of the exports a script may call, sorted."""
        return tuple(sorted(name for name, fk in self.functions.items() if fk.callable))


def validate(
    data: bytes,
    *,
    max_module_bytes: int = const.DEFAULT_MAX_MODULE_BYTES,
    max_memory_pages: int = const.DEFAULT_WASM_MEMORY_PAGES,
) -> ModuleInfo:
    """Check `data` against the service ABI and wasm3's abilities; raise `ModuleRejected`."""
    if not isinstance(data, bytes):
        data = bytes(data)
    module = binary.parse_module(data, max_bytes=max_module_bytes)
    _check_bodies(module, data)
    _check_features(module)
    imports = _check_imports(module)
    memory_min, memory_max = _check_memory(module, max_memory_pages)
    abi_version = _abi_version(module, data)
    exports = {exp.name: exp for exp in module.exports}
    for name in exports:
        if name.startswith(RESERVED_EXPORT_PREFIX):
            raise ModuleRejected(
                f"exports {name!r}: names beginning with {RESERVED_EXPORT_PREFIX!r} are reserved for the "
                "host's instrumentation; rename it"
            )
    has_free = False
    if abi_version is not None:
        has_free = _check_abi_exports(module, exports)
    functions = {
        exp.name: _classify(exp.name, module.func_type(exp.index), abi_version is not None)
        for exp in module.exports
        if exp.kind is ExternKind.FUNC
    }
    return ModuleInfo(
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        abi_version=abi_version,
        memory_min=memory_min,
        memory_max=memory_max,
        functions=MappingProxyType(functions),
        imports=imports,
        has_start=module.start is not None,
        has_free=has_free,
    )


def _check_bodies(module: Module, data: bytes) -> None:
    """Decode every body (binary checks its structure) and refuse what wasm3 lacks."""
    for func, body in binary.iter_bodies(module, data):
        for ins in body:
            if ins.opcode in _UNSUPPORTED_OPS:
                raise ModuleRejected(
                    f"function {func} uses {binary.opcode_name(ins.opcode)} (at byte {ins.offset}), which "
                    "wasm3 here does not run: of the bulk memory and table instructions it has only "
                    "memory.copy and memory.fill; build without passive segments and reference types "
                    "(clang: -mno-reference-types)"
                )


def _check_features(module: Module) -> None:
    if module.num_tables > 1:
        raise ModuleRejected(
            f"module has {module.num_tables} tables; wasm3 here supports one (reference types)"
        )
    if module.num_memories > 1:
        raise ModuleRejected(f"module has {module.num_memories} memories; wasm3 here supports one")
    for i, seg in enumerate(module.elements):
        if seg.flags != 0:
            kind = "an expression list" if seg.flags & 4 else f"a {seg.mode.value} segment"
            raise ModuleRejected(
                f"element segment {i} is {kind} (form {seg.flags}); wasm3 here supports only active segments "
                "of function indices for table 0"
            )
    for i, d in enumerate(module.datas):
        if d.flags != 0:
            what = "passive" if d.mode is SegmentMode.PASSIVE else "written with an explicit memory index"
            raise ModuleRejected(
                f"data segment {i} is {what}; wasm3 here supports only active segments for memory 0 "
                "(clang emits passive ones only with threads or -mbulk-memory and shared memory)"
            )


# What a person learns when a module imports a kind of entity the host does not provide.
_NOT_PROVIDED = {
    ExternKind.MEMORY: (
        "imports memory {full}: the host provides no memory; define the module's own memory with a "
        "maximum (clang: drop -Wl,--import-memory and set -Wl,--max-memory=N)"
    ),
    ExternKind.TABLE: (
        "imports table {full}: the host provides no table; define it in the module "
        "(clang: drop -Wl,--import-table)"
    ),
    ExternKind.GLOBAL: (
        "imports global {full}: the host provides no globals; define it in the module "
        "(a dynamically linked build imports __stack_pointer: link statically)"
    ),
}


def _check_imports(module: Module) -> tuple[str, ...]:
    allowed = ", ".join(f"{HOST_MODULE}.{name}" for name in HOST_IMPORTS)
    names: list[str] = []
    for imp in module.imports:
        full = f"{imp.module}.{imp.name}"
        if imp.kind in _NOT_PROVIDED:
            raise ModuleRejected(_NOT_PROVIDED[imp.kind].format(full=full))
        if imp.module != HOST_MODULE or imp.name not in HOST_IMPORTS:
            hint = ""
            if imp.module.startswith("wasi"):
                hint = " (wasm3 here has no WASI: build with -nostdlib, or stub what you need)"
            raise ModuleRejected(f"imports {full}, which the host does not provide{hint}; allowed: {allowed}")
        assert isinstance(imp.desc, int)
        got = module.types[imp.desc]
        want = HOST_IMPORTS[imp.name]
        if got != want:
            raise ModuleRejected(f"imports {full} with type {got}, but the host's {imp.name} is {want}")
        names.append(imp.name)
    return tuple(names)


def _check_memory(module: Module, max_pages: int) -> tuple[int | None, int | None]:
    if not module.memories:
        return None, None
    limits = module.memories[0]
    example = min(16, max_pages) or 1
    if limits.max is None:
        raise ModuleRejected(
            f"memory has no maximum: declare one of at most {max_pages} pages, e.g. (memory 1 {example}) "
            f"or clang -Wl,--max-memory={example * 65536}"
        )
    if limits.max > max_pages:
        raise ModuleRejected(
            f"memory maximum is {limits.max} pages ({limits.max * 64} KiB), over this host's limit of "
            f"{max_pages} pages ({max_pages * 64} KiB); lower it, e.g. "
            f"clang -Wl,--max-memory={max_pages * 65536}"
        )
    return limits.min, limits.max


def _abi_version(module: Module, data: bytes) -> int | None:
    sections = module.custom(ABI_SECTION)
    if not sections:
        return None
    if len(sections) > 1:
        raise ModuleRejected(f"module has {len(sections)} {ABI_SECTION} sections; declare the ABI once")
    content = data[sections[0].content_start : sections[0].end]
    # Tolerate the NUL or newline a C string or a text file would add.
    text = content.rstrip(b"\x00\n\r ")
    if not text.isdigit() or len(text) > 9:
        raise ModuleRejected(
            f"the {ABI_SECTION} section must hold the ABI version as ASCII digits, e.g. '1'; "
            f"it holds {content[:32]!r}"
        )
    version = int(text)
    if version != ABI_VERSION:
        raise ModuleRejected(
            f"module declares service ABI version {version}; this host speaks version {ABI_VERSION}"
        )
    return version


def _check_abi_exports(module: Module, exports: dict[str, binary.Export]) -> bool:
    """The exports an ABI module must have (docs/service-abi.md, "Declaring the ABI")."""
    memory = exports.get(MEMORY_EXPORT)
    if memory is None or memory.kind is not ExternKind.MEMORY:
        raise ModuleRejected(
            f"module declares the service ABI but does not export its memory as {MEMORY_EXPORT!r}; "
            "the host passes arguments and reads replies there (clang exports it by default)"
        )
    alloc = exports.get(ALLOC_EXPORT)
    if alloc is None or alloc.kind is not ExternKind.FUNC:
        raise ModuleRejected(
            f"module declares the service ABI but does not export {ALLOC_EXPORT} {ALLOC_TYPE}; "
            "the SDKs (edge_agent.h, edge_agent.rs) define it"
        )
    got = module.func_type(alloc.index)
    if got != ALLOC_TYPE:
        raise ModuleRejected(f"exports {ALLOC_EXPORT} with type {got}; the ABI needs {ALLOC_TYPE}")
    free = exports.get(FREE_EXPORT)
    if free is None:
        return False
    if free.kind is not ExternKind.FUNC or module.func_type(free.index) != FREE_TYPE:
        what = module.func_type(free.index) if free.kind is ExternKind.FUNC else f"a {free.kind}"
        raise ModuleRejected(
            f"exports {FREE_EXPORT} as {what}; the ABI needs {FREE_TYPE} (or no {FREE_EXPORT})"
        )
    return True


def _classify(name: str, ft: FuncType, abi: bool) -> FunctionKind:
    """Numeric, CBOR, or not callable (and why), per docs/service-abi.md."""

    def nope(reason: str) -> FunctionKind:
        return FunctionKind(ft.params, ft.results, CallKind.NOT_CALLABLE, reason)

    if abi and name in (ALLOC_EXPORT, FREE_EXPORT):
        return nope("part of the service ABI: the host calls it")
    if abi and ft == CBOR_TYPE:
        return FunctionKind(ft.params, ft.results, CallKind.CBOR)
    if len(ft.results) > 1:
        return nope(f"returns {len(ft.results)} values; a callable function returns at most one")
    if len(ft.params) > const.WASM_MAX_PARAMS:
        return nope(f"takes {len(ft.params)} parameters; pywasm3 passes at most {const.WASM_MAX_PARAMS}")
    if not set(ft.params + ft.results) <= _NUMBER_TYPES:  # binary admits numbers only today
        return nope("takes or returns values that are not numbers")
    return FunctionKind(ft.params, ft.results, CallKind.NUMERIC)
