"""The binary reader: header, LEB128, sections, instructions, and that hostile bytes only
ever raise ModuleRejected."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent.services.wasm import binary
from edge_agent.services.wasm.binary import (
    ExternKind,
    FuncType,
    Op,
    SegmentMode,
    ValType,
    encode_name,
    encode_s64,
    encode_section,
    encode_u32,
    encode_vec,
)
from edge_agent.services.wasm.errors import ModuleRejected
from tests.services.wasm import wat

HEADER = b"\x00asm\x01\x00\x00\x00"


def module(*sections: bytes) -> bytes:
    return HEADER + b"".join(sections)


def func_module(body: bytes, *, params: bytes = b"", results: bytes = b"\x7f", locals_: bytes = b"\x00",
                extra: tuple[bytes, ...] = ()) -> bytes:
    """One function of type (params) -> (results) with `body` (its instructions, end included)."""
    code = locals_ + body
    return module(
        encode_section(1, encode_vec([b"\x60" + encode_vec([bytes([p]) for p in params])
                                      + encode_vec([bytes([r]) for r in results])])),
        encode_section(3, encode_vec([b"\x00"])),
        *extra,
        encode_section(10, encode_vec([encode_u32(len(code)) + code])),
    )


def rejected(data: bytes, **kwargs: int) -> str:
    with pytest.raises(ModuleRejected) as info:
        m = binary.parse_module(data, **kwargs)
        list(binary.iter_bodies(m, data))
    return str(info.value)


# --- Header and size ------------------------------------------------------------------------


def test_bad_magic() -> None:
    assert rejected(b"\x7fELF\x02\x01\x01\x00") == "not a WebAssembly module (bad magic)"
    assert rejected(b"hello") == "not a WebAssembly module (bad magic)"


def test_truncated_header() -> None:
    assert rejected(b"\x00asm\x01") == "truncated in the module header at byte 5"
    assert rejected(b"") == "truncated in the module header at byte 0"


def test_wrong_version() -> None:
    assert rejected(b"\x00asm\x02\x00\x00\x00") == "unsupported WebAssembly binary version 2 (expected 1)"


def test_size_is_checked_before_anything_is_parsed() -> None:
    msg = rejected(b"garbage" * 1000, max_bytes=4096)
    assert msg == "module is 7000 bytes, over the limit of 4096 bytes"


def test_empty_module_parses() -> None:
    m = binary.parse_module(HEADER)
    assert m.size == 8 and m.types == () and m.codes == () and m.start is None


# --- LEB128 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b"\x00", 0),
        (b"\x7f", 127),
        (b"\x80\x01", 128),
        (b"\xff\xff\xff\xff\x0f", 0xFFFF_FFFF),
        (b"\x80\x80\x80\x80\x00", 0),  # padded to five bytes, as linkers leave relocations
    ],
)
def test_u32(raw: bytes, value: int) -> None:
    r = binary._Reader(raw, 0, len(raw), "test")
    assert r.u32() == value and r.pos == len(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"\xff\xff\xff\xff\x1f",  # 33 bits
        b"\x80\x80\x80\x80\x80\x00",  # six bytes
    ],
)
def test_u32_too_large_or_long(raw: bytes) -> None:
    r = binary._Reader(raw, 0, len(raw), "test")
    with pytest.raises(ModuleRejected, match="integer"):
        r.u32()


def test_leb_truncated_names_the_place() -> None:
    r = binary._Reader(b"\x80\x80", 0, 2, "type section")
    with pytest.raises(ModuleRejected, match=r"^truncated in the type section at byte 2$"):
        r.u32()


@pytest.mark.parametrize(
    ("raw", "bits", "value"),
    [
        (b"\x7f", 32, -1),
        (b"\x80\x80\x80\x80\x78", 32, -(2**31)),
        (b"\xff\xff\xff\xff\x07", 32, 2**31 - 1),
        (b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 64, -(2**63)),
        (b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 64, 2**63 - 1),
    ],
)
def test_signed(raw: bytes, bits: int, value: int) -> None:
    r = binary._Reader(raw, 0, len(raw), "test")
    assert (r.s32() if bits == 32 else r.s64()) == value


@pytest.mark.parametrize("raw", [b"\x80\x80\x80\x80\x70", b"\xff\xff\xff\xff\x0f"])
def test_s32_out_of_range(raw: bytes) -> None:
    r = binary._Reader(raw, 0, len(raw), "test")
    with pytest.raises(ModuleRejected, match="integer too large"):
        r.s32()


@given(st.integers(0, 2**32 - 1))
def test_u32_round_trip(value: int) -> None:
    raw = encode_u32(value)
    assert binary._Reader(raw, 0, len(raw), "t").u32() == value


@given(st.integers(-(2**63), 2**63 - 1))
def test_s64_round_trip(value: int) -> None:
    raw = encode_s64(value)
    assert binary._Reader(raw, 0, len(raw), "t").s64() == value


# --- Sections ---------------------------------------------------------------------------------


def test_unknown_section_id_names_the_byte() -> None:
    assert rejected(module(b"\x0e\x00")) == "unknown section id 14 at byte 8"


def test_section_larger_than_the_module() -> None:
    msg = rejected(module(b"\x01\x10\x01\x60"))
    assert msg.startswith("truncated in the type section at byte 12")


def test_section_with_bytes_left_over() -> None:
    msg = rejected(module(encode_section(1, encode_vec([b"\x60\x00\x00"]) + b"\x00")))
    assert msg == "1 unexpected byte(s) at the end in the type section at byte 14"


def test_sections_out_of_order_and_twice() -> None:
    types = encode_section(1, encode_vec([]))
    funcs = encode_section(3, encode_vec([]))
    assert rejected(module(funcs, types)) == "the type section at byte 11 is out of order (after the function section)"
    assert rejected(module(types, types)) == "a second type section at byte 11"


def test_data_count_comes_before_code() -> None:
    assert binary.parse_module(module(encode_section(12, b"\x00"), encode_section(10, b"\x00"))).data_count == 0
    msg = rejected(module(encode_section(10, b"\x00"), encode_section(12, b"\x00")))
    assert "out of order" in msg


def test_vector_count_beyond_the_bytes_left_is_refused_before_allocating() -> None:
    msg = rejected(module(encode_section(1, b"\xff\xff\xff\xff\x0f")))
    assert msg == "type count 4294967295 exceeds the bytes left in the type section at byte 10"


def test_function_and_code_counts_must_match() -> None:
    types = encode_section(1, encode_vec([b"\x60\x00\x00"]))
    assert "declares 1 functions but the code section has 0" in rejected(module(types, encode_section(3, b"\x01\x00")))


def test_reference_and_simd_value_types_are_refused_with_a_reason() -> None:
    for byte, word in ((0x6F, "externref"), (0x70, "funcref"), (0x7B, "SIMD")):
        msg = rejected(module(encode_section(1, encode_vec([b"\x60\x01" + bytes([byte]) + b"\x00"]))))
        assert word in msg and "not supported by wasm3" in msg


def test_shared_memory_is_refused() -> None:
    msg = rejected(module(encode_section(5, encode_vec([b"\x03\x01\x02"]))))
    assert msg.startswith("shared memory (threads) is not supported by wasm3 here in the memory section")


def test_memory_limits() -> None:
    m = binary.parse_module(module(encode_section(5, encode_vec([b"\x01\x01\x10"]))))
    assert m.memories == (binary.Limits(1, 16),)
    assert "minimum 2 is above its maximum 1" in rejected(module(encode_section(5, encode_vec([b"\x01\x02\x01"]))))
    assert "over 65536" in rejected(module(encode_section(5, encode_vec([b"\x00\x81\x80\x04"]))))


def test_names_must_be_utf8() -> None:
    custom = encode_section(0, b"\x02\xc3\x28")
    assert rejected(module(custom)) == "name is not valid UTF-8 in the custom section at byte 10"


def test_too_many_locals() -> None:
    msg = rejected(func_module(b"\x0b", locals_=b"\x01\xff\xff\x03\x7f"))
    assert "declares more than 50000 locals" in msg


def test_a_module_from_wat_parses_fully() -> None:
    data = wat.compile_wat(
        """(module
          (import "env" "ea_log" (func $log (param i32 i32 i32)))
          (type $pair (func (param i32) (result i32 i32)))
          (memory (export "memory") 1 4)
          (global $g (mut i64) (i64.const -5))
          (table 2 funcref)
          (elem (i32.const 1) $f)
          (func $f (export "f") (param i32) (result i32) local.get 0)
          (func $s)
          (start $s)
          (data (i32.const 16) "hi"))"""
    )
    m = binary.parse_module(data)
    assert m.imports[0].module == "env" and m.imports[0].name == "ea_log" and m.imports[0].kind is ExternKind.FUNC
    assert m.func_type(0) == FuncType((ValType.I32,) * 3, ())
    assert m.func_type(1) == FuncType((ValType.I32,), (ValType.I32,))
    assert FuncType((ValType.I32,), (ValType.I32, ValType.I32)) in m.types
    assert m.num_imported_functions == 1 and m.num_functions == 3
    assert m.memories == (binary.Limits(1, 4),)
    assert m.globals[0].type == binary.GlobalType(ValType.I64, True) and m.globals[0].init.value == -5
    assert m.elements[0].mode is SegmentMode.ACTIVE and m.elements[0].funcs == (1,)
    assert m.start == 2
    assert data[m.datas[0].init_start : m.datas[0].init_end] == b"hi"
    assert {(e.name, e.kind) for e in m.exports} == {("memory", ExternKind.MEMORY), ("f", ExternKind.FUNC)}


def test_custom_sections_are_kept_with_their_place() -> None:
    data = module(encode_section(0, encode_name("edge-agent.abi") + b"1"))
    (custom,) = binary.parse_module(data).custom("edge-agent.abi")
    assert data[custom.content_start : custom.end] == b"1"


def test_passive_and_expression_segments_parse() -> None:
    data = wat.compile_wat(
        """(module (memory 1 1) (table 1 funcref) (func $f)
           (data $d "xy") (elem $e funcref (ref.func $f) (ref.null func))
           (func (export "g") (memory.init $d (i32.const 0) (i32.const 0) (i32.const 2)) (data.drop $d)))"""
    )
    m = binary.parse_module(data)
    assert m.datas[0].mode is SegmentMode.PASSIVE and m.data_count == 1
    assert m.elements[0].mode is SegmentMode.PASSIVE and m.elements[0].funcs == (0, None)
    ops = [i.opcode for i in binary.decode_body(m, data, 1)]
    assert Op.MEMORY_INIT in ops and Op.DATA_DROP in ops


# --- Instructions -----------------------------------------------------------------------------


def test_decode_a_body() -> None:
    data = wat.compile_wat(
        """(module (type $t (func (param i32) (result i32 i32))) (memory 1 1)
           (func (export "f") (param i32) (result i32)
             (block $b (result i32)
               (i32.const 1) (i32.const 2)
               (block (type $t) (i32.const 3))
               (drop) (drop)
               (br_table $b $b 0 (local.get 0)))
             (i32.load offset=8 (i32.const 0)) (i32.add)
             (i64.const -1) (drop) (f64.const 1.5) (drop)
             (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
             (i32.trunc_sat_f64_s (f64.const 1e30)) (i32.add)
             (i32.extend8_s)))"""
    )
    m = binary.parse_module(data)
    body = binary.decode_body(m, data, 0)
    names = [binary.opcode_name(i.opcode) for i in body]
    assert names[0] == "block" and names[-1] == "end" and "br_table" in names and "memory.fill" in names
    assert "i32.trunc_sat_f64_s" in names and "i32.extend8_s" in names
    by_name = {binary.opcode_name(i.opcode): i for i in body}
    assert by_name["br_table"].imm == (0, 0, 0)
    assert by_name["i32.load"].imm == (2, 8)
    assert by_name["i64.const"].imm == -1
    inner = [i for i in body if i.opcode == Op.BLOCK][1]
    assert inner.imm == 0  # a type index: the multi-value block type
    assert body[0].offset == m.codes[0].body_start and body[-1].end == m.codes[0].end


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xfd\x0c" + bytes(16) + b"\x0b", r"^SIMD instructions are not supported by wasm3 here \(function 0, byte \d+\)$"),
        (b"\xfe\x00\x0b", "atomic instructions"),
        (b"\x12\x00\x0b", "tail calls"),
        (b"\xd0\x70\x1a\x41\x00\x0b", "reference types"),
        (b"\x27\x0b", r"^unknown opcode 0x27 in function 0 at byte \d+$"),
        (b"\xfc\x12\x0b", "unknown opcode 0xfc 18"),
        (b"\xfc\x80\x00\x41\x00\x0b", "not encoded in one byte"),
        (b"\x41\x00", "missing its end"),
        (b"\x41\x00\x0b\x01", "ends at byte"),
        (b"\x05\x41\x00\x0b", "else without if"),
        (b"\x0c\x01\x0b", "has no enclosing block"),
        (b"\x20\x05\x0b", "local 5 does not exist"),
        (b"\x10\x07\x0b", "function 7, which does not exist"),
        (b"\x23\x00\x0b", "global 0 does not exist"),
        (b"\x41\x00\x28\x02\x00\x0b", "without a memory"),
        (b"\x02\x05\x0b\x0b", "block type 5 does not exist"),
    ],
)
def test_bad_instructions(body: bytes, message: str) -> None:
    assert re.search(message, rejected(func_module(body)))


def test_alignment_larger_than_natural() -> None:
    mem = encode_section(5, encode_vec([b"\x00\x01"]))
    msg = rejected(func_module(b"\x41\x00\x28\x03\x00\x0b", extra=(mem,)))
    assert "alignment 2**3 is larger than natural" in msg


def test_reserved_memory_index_must_be_zero() -> None:
    mem = encode_section(5, encode_vec([b"\x00\x01"]))
    msg = rejected(func_module(b"\x3f\x01\x0b", extra=(mem,)))
    assert "memory.size's memory index must be the byte 0x00" in msg


# --- Nothing but ModuleRejected, whatever the bytes ---------------------------------------------


def _parse_everything(data: bytes) -> None:
    try:
        m = binary.parse_module(data)
        for _ in binary.iter_bodies(m, data):
            pass
    except ModuleRejected:
        pass


SEED = func_module(
    b"\x02\x40\x03\x40\x20\x00\x0d\x01\x41\x01\x0e\x01\x00\x01\x0b\x0b\x20\x00\x04\x7f\x41\x01\x05\x41\x02\x0b\x0b",
    params=b"\x7f",
    locals_=b"\x01\x02\x7e",
)


def test_seed_is_valid() -> None:
    m = binary.parse_module(SEED)
    assert len(binary.decode_body(m, SEED, 0)) == 15


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_module_rejected(data: bytes) -> None:
    _parse_everything(data)
    _parse_everything(HEADER + data)


@settings(max_examples=800)
@given(st.data())
def test_mutated_modules_only_raise_module_rejected(draw: st.DataObject) -> None:
    data = bytearray(SEED)
    for _ in range(draw.draw(st.integers(1, 4))):
        pos = draw.draw(st.integers(0, len(data)))
        kind = draw.draw(st.sampled_from(["set", "insert", "delete", "truncate"]))
        byte = draw.draw(st.integers(0, 255))
        if kind == "set" and pos < len(data):
            data[pos] = byte
        elif kind == "insert":
            data[pos:pos] = bytes([byte])
        elif kind == "delete":
            del data[pos : pos + 1]
        else:
            del data[pos:]
    _parse_everything(bytes(data))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_real_modules_only_raise_module_rejected(draw: st.DataObject) -> None:
    seed = wat.fixture("kernels")
    data = bytearray(seed)
    for _ in range(draw.draw(st.integers(1, 3))):
        pos = draw.draw(st.integers(0, len(data) - 1))
        data[pos] = draw.draw(st.integers(0, 255))
    _parse_everything(bytes(data))
