"""The WAT-subset assembler (tests/support/wat_subset.py) on its own: how it resolves names
and labels, and that text outside its subset is refused naming the token. That it agrees
with wabt on the random programs is checked in tests/services/wasm/test_instrument.py."""

from __future__ import annotations

import re

import pytest

from edge_agent.services.wasm import binary
from edge_agent.services.wasm.binary import Op, ValType
from tests.support.wat_subset import WatSubsetError, assemble


def body(text: str) -> list[tuple[str, object]]:
    """The instructions of the only function of a module, by name with their immediates."""
    data = assemble(f'(module (type $t (func (param i32 i32) (result i32))) (func $f (export "f") {text}))')
    module = binary.parse_module(data)
    ((_, instrs),) = binary.iter_bodies(module, data)
    return [(binary.opcode_name(ins.opcode), ins.imm) for ins in instrs]


def test_labels_resolve_by_name_and_by_depth() -> None:
    got = body("block $out block $in i32.const 2 br_table $in $out 1 br 0 end br_if $out end")
    assert got == [
        ("block", None),
        ("block", None),
        ("i32.const", 2),
        ("br_table", (0, 1, 1)),
        ("br", 0),
        ("end", None),
        ("br_if", 0),
        ("end", None),
        ("end", None),
    ]


def test_an_inner_label_shadows_an_outer_one_of_the_same_name() -> None:
    assert body("block $l block $l br $l end end")[2] == ("br", 0)


def test_locals_params_and_globals_by_name_or_index() -> None:
    got = body(
        "(param $a i32) (param $b i32) (result i32) (local $x i64) (local i32)"
        " local.get $b local.set 3 local.get 3 local.get $a i32.add"
    )
    assert [imm for _, imm in got[:4]] == [1, 3, 3, 0]


def test_block_types_become_a_value_type_or_a_type_index_found_or_appended() -> None:
    data = assemble(
        "(module (type $t (func (param i32) (result i32)))"
        " (func (result i32) i32.const 1 block (param i32) (result i32) end"
        " block (result i32 i32) i32.const 2 i32.const 3 end i32.add i32.add"
        " if (result i32) i32.const 4 else i32.const 5 end))"
    )
    module = binary.parse_module(data)
    assert [str(t) for t in module.types] == ["(i32) -> (i32)", "() -> (i32)", "() -> (i32, i32)"]
    ((_, instrs),) = binary.iter_bodies(module, data)
    assert [ins.imm for ins in instrs if ins.opcode in (Op.BLOCK, Op.IF)] == [0, 2, ValType.I32]


def test_constants_are_signed_or_unsigned_i32() -> None:
    got = body("i32.const -1 i32.const 0xffffffff i32.const 2147483648 drop drop drop")
    assert [imm for _, imm in got[:3]] == [-1, -1, -(1 << 31)]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("i64.add", "i64.add"),
        ("(i32.add (i32.const 1) (i32.const 2))", "(i32.add"),
        ("i32.const 1 i32.load offset=4", "offset=4"),
        ("br $nowhere", "$nowhere"),
        ("block br 2 end", "2: out of range"),
        ("local.get $y", "$y"),
        ("call $g", "$g"),
        ("end", "end"),
        ("block $b nop", "block"),
        ("i32.const 4294967296", "4294967296"),
        ("i32.const 1 ;; a comment", "';'"),
        ("call_indirect (type $t) (table 0)", "(table"),
    ],
)
def test_text_outside_the_subset_is_refused_naming_the_token(text: str, named: str) -> None:
    with pytest.raises(WatSubsetError, match=re.escape(named)):
        assemble(f"(module (type $t (func)) (func $f {text}))")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('(module (import "env" "f" (func)))', "(import"),
        ("(module (memory 1) (memory 1))", "memory section"),
        ("(module (table 1 externref))", "(table"),
        ("(module (global $g (mut f32) (f32.const 0)))", "f32"),
        ("(module (func)", "balanced"),
        ("(module (func)))", "')'"),
        ("(wat)", "(module"),
    ],
)
def test_module_fields_outside_the_subset_are_refused(text: str, named: str) -> None:
    with pytest.raises(WatSubsetError, match=re.escape(named)):
        assemble(text)
