"""The deploy-time checks of docs/service-abi.md, and what wasm3 can run."""

from __future__ import annotations

import hashlib

import pytest

from edge_agent.services.wasm.binary import ValType, encode_name, encode_section
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.validate import HOST_IMPORTS, CallKind, ModuleInfo, validate
from tests.services.wasm import wat

I32, I64, F32, F64 = ValType.I32, ValType.I64, ValType.F32, ValType.F64

ABI_EXPORTS = """
  (memory (export "memory") 1 16)
  (func (export "ea_alloc") (param i32) (result i32) i32.const 1024)
"""


def with_custom(data: bytes, name: str, content: bytes) -> bytes:
    return data + encode_section(0, encode_name(name) + content)


def abi_module(body: str = "", content: bytes = b"1") -> bytes:
    return with_custom(wat.compile_wat(f"(module {ABI_EXPORTS} {body})"), "edge-agent.abi", content)


def ok(data: bytes, **kwargs: int) -> ModuleInfo:
    return validate(data, max_module_bytes=kwargs.get("max_module_bytes", 1 << 20),
                    max_memory_pages=kwargs.get("max_memory_pages", 256))


def refused(data: bytes, **kwargs: int) -> str:
    with pytest.raises(ModuleRejected) as info:
        ok(data, **kwargs)
    return str(info.value)


def test_a_numeric_module() -> None:
    data = wat.compile_wat(
        """(module
          (memory 1 4)
          (func (export "add") (param i32 i64) (result i64) local.get 1)
          (func (export "none"))
          (func (export "float") (param f32) (result f64) f64.const 1)
          (func (export "pair") (result i32 i32) i32.const 1 i32.const 2))"""
    )
    info = ok(data)
    assert info.size == len(data) and info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.abi_version is None and (info.memory_min, info.memory_max) == (1, 4)
    assert info.functions["add"].kind is CallKind.NUMERIC
    assert info.functions["add"].params == (I32, I64) and info.functions["add"].results == (I64,)
    assert info.functions["none"].kind is CallKind.NUMERIC and info.functions["none"].results == ()
    assert info.functions["float"].params == (F32,) and info.functions["float"].results == (F64,)
    pair = info.functions["pair"]
    assert not pair.callable and "returns 2 values" in pair.reason
    assert info.callable == ("add", "float", "none")
    assert info.imports == () and not info.has_start


def test_a_module_without_memory() -> None:
    info = ok(wat.compile_wat('(module (func (export "f") (result i32) i32.const 1))'))
    assert info.memory_min is None and info.memory_max is None


def test_too_big_is_refused_before_parsing() -> None:
    assert refused(b"\x00" * 100, max_module_bytes=64) == "module is 100 bytes, over the limit of 64 bytes"


# --- Imports ----------------------------------------------------------------------------------


def test_every_host_import_with_its_type_is_accepted() -> None:
    decls = "\n".join(
        f'(import "env" "{name}" (func (param {" ".join(map(str, ft.params))}) (result {" ".join(map(str, ft.results))})))'
        for name, ft in HOST_IMPORTS.items()
    )
    info = ok(wat.compile_wat(f"(module {decls})"))
    assert info.imports == tuple(HOST_IMPORTS)


def test_unknown_import_names_the_allowed_ones() -> None:
    msg = refused(wat.compile_wat('(module (import "env" "foo" (func)))'))
    assert msg.startswith("imports env.foo, which the host does not provide; allowed: env.ea_log, ")
    assert "env.ea_sensor_read" in msg


def test_wasi_import_gets_a_hint() -> None:
    msg = refused(wat.compile_wat('(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))'))
    assert "wasi_snapshot_preview1.fd_write" in msg and "no WASI" in msg


def test_import_with_the_wrong_type() -> None:
    msg = refused(wat.compile_wat('(module (import "env" "ea_log" (func (param i32 i32))))'))
    assert msg == "imports env.ea_log with type (i32, i32) -> (), but the host's ea_log is (i32, i32, i32) -> ()"


@pytest.mark.parametrize(
    ("decl", "words"),
    [
        ('(import "env" "memory" (memory 1 2))', "imports memory env.memory: the host provides no memory"),
        ('(import "env" "t" (table 1 funcref))', "imports table env.t: the host provides no table"),
        ('(import "env" "__stack_pointer" (global (mut i32)))', "imports global env.__stack_pointer: the host provides no globals"),
    ],
)
def test_imported_memory_table_global_are_refused(decl: str, words: str) -> None:
    assert refused(wat.compile_wat(f"(module {decl})")).startswith(words)


# --- Memory -----------------------------------------------------------------------------------


def test_memory_without_maximum() -> None:
    msg = refused(wat.compile_wat("(module (memory 1))"))
    assert msg.startswith("memory has no maximum: declare one of at most 256 pages, e.g. (memory 1 16) or ")
    assert "-Wl,--max-memory=" in msg


def test_memory_maximum_over_the_limit() -> None:
    msg = refused(wat.compile_wat("(module (memory 1 300))"), max_memory_pages=256)
    assert msg.startswith("memory maximum is 300 pages (19200 KiB), over this host's limit of 256 pages")
    assert ok(wat.compile_wat("(module (memory 1 256))"), max_memory_pages=256).memory_max == 256


# --- The ABI ----------------------------------------------------------------------------------


def test_an_abi_module() -> None:
    data = abi_module(
        """(func (export "greet") (param i32 i32) (result i64) i64.const 0)
           (func (export "ea_free") (param i32 i32))
           (func (export "twice") (param i32) (result i32) local.get 0)"""
    )
    info = ok(data)
    assert info.abi_version == 1 and info.has_free
    assert info.functions["greet"].kind is CallKind.CBOR
    assert info.functions["twice"].kind is CallKind.NUMERIC
    assert not info.functions["ea_alloc"].callable and not info.functions["ea_free"].callable
    assert info.callable == ("greet", "twice")


def test_cbor_signature_is_numeric_without_the_abi() -> None:
    data = wat.compile_wat('(module (func (export "greet") (param i32 i32) (result i64) i64.const 0))')
    assert ok(data).functions["greet"].kind is CallKind.NUMERIC


@pytest.mark.parametrize("content", [b"1", b"1\x00", b"1\n"])
def test_abi_version_text(content: bytes) -> None:
    assert ok(abi_module(content=content)).abi_version == 1


def test_abi_version_other_than_1() -> None:
    assert refused(abi_module(content=b"2")) == "module declares service ABI version 2; this host speaks version 1"
    assert "ASCII digits" in refused(abi_module(content=b"\x01"))


def test_abi_declared_twice() -> None:
    assert "2 edge-agent.abi sections" in refused(with_custom(abi_module(), "edge-agent.abi", b"1"))


def test_abi_module_must_export_memory_and_ea_alloc() -> None:
    no_memory = with_custom(
        wat.compile_wat('(module (memory 1 2) (func (export "ea_alloc") (param i32) (result i32) i32.const 0))'),
        "edge-agent.abi", b"1",
    )
    assert "does not export its memory as 'memory'" in refused(no_memory)
    no_alloc = with_custom(wat.compile_wat('(module (memory (export "memory") 1 2))'), "edge-agent.abi", b"1")
    assert "does not export ea_alloc (i32) -> (i32)" in refused(no_alloc)
    bad_alloc = with_custom(
        wat.compile_wat('(module (memory (export "memory") 1 2) (func (export "ea_alloc") (param i32)))'),
        "edge-agent.abi", b"1",
    )
    assert refused(bad_alloc) == "exports ea_alloc with type (i32) -> (); the ABI needs (i32) -> (i32)"
    bad_free = abi_module('(func (export "ea_free") (param i32))')
    assert "exports ea_free as (i32) -> (); the ABI needs (i32, i32) -> ()" in refused(bad_free)


def test_reserved_export_names() -> None:
    msg = refused(wat.compile_wat('(module (func (export "__ea_fuel_get") (result i64) i64.const 0))'))
    assert msg.startswith("exports '__ea_fuel_get': names beginning with '__ea_' are reserved")


def test_a_start_function_is_allowed() -> None:
    info = ok(wat.compile_wat("(module (func $s) (start $s))"))
    assert info.has_start


def test_too_many_parameters_for_pywasm3() -> None:
    params = " ".join(["i32"] * 33)
    info = ok(wat.compile_wat(f'(module (func (export "wide") (param {params})))'))
    assert not info.functions["wide"].callable and "at most 32" in info.functions["wide"].reason


# --- What wasm3 cannot run --------------------------------------------------------------------


def test_bulk_memory_beyond_copy_and_fill() -> None:
    data = wat.compile_wat(
        """(module (memory 1 1) (data $d "x")
           (func (export "f") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))))"""
    )
    assert refused(data).startswith("function 0 uses memory.init (at byte ")
    passive = wat.compile_wat('(module (memory 1 1) (data $d "x"))')
    assert refused(passive).startswith("data segment 0 is passive; wasm3 here supports only active segments")
    copy_fill = wat.compile_wat(
        """(module (memory 1 1)
           (func (export "f") (memory.copy (i32.const 0) (i32.const 1) (i32.const 1))
                              (memory.fill (i32.const 0) (i32.const 1) (i32.const 1))))"""
    )
    ok(copy_fill)


def test_table_instructions() -> None:
    data = wat.compile_wat('(module (table $t 1 funcref) (func (export "f") (result i32) table.size $t))')
    assert "uses table.size" in refused(data)


def test_element_segment_forms() -> None:
    passive = wat.compile_wat("(module (table 1 funcref) (func $f) (elem $e func $f))")
    assert "element segment 0 is a passive segment (form 1)" in refused(passive)


def test_two_tables() -> None:
    assert "2 tables" in refused(wat.compile_wat("(module (table 1 funcref) (table 1 funcref))"))


def test_simd_is_refused_by_the_reader() -> None:
    data = wat.compile_wat('(module (func (export "f") (result i32) v128.const i32x4 1 2 3 4 i32x4.extract_lane 0))')
    assert refused(data).startswith("SIMD instructions are not supported by wasm3 here (function 0, byte ")


def test_sdk_built_modules_validate() -> None:
    """The firmware services, if someone built them (firmware_services/build)."""
    from pathlib import Path

    built = sorted(Path(__file__).parents[3].joinpath("firmware_services", "build").glob("*.wasm"))
    if not built:
        pytest.skip("no firmware_services/build/*.wasm")
    for path in built:
        info = ok(path.read_bytes())
        assert info.abi_version == 1 and info.callable, path
