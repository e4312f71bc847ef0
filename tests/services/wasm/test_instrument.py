"""The fuel instrumenter: the rewritten module's shape (pure), and under wasm3 (pywasm3):
the same results and memory as the original, exact fuel, and out-of-fuel traps.

Exactness is checked against the reference plan (`Policy(per_instruction=True)`, every
instruction charged on its own): for every call that returns, every plan must charge the
same fuel. Random structured programs (below) exercise every construct the planner treats
specially. Timing is measured outside the tests (see the instrumenter's commit message).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.services.wasm import binary
from edge_agent.services.wasm import instrument as instrument_module
from edge_agent.services.wasm.binary import ExternKind, Op, SectionId, ValType, encode_name, encode_section
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.fuel_costs import HOST_CALL_FUEL
from edge_agent.services.wasm.instrument import (
    BULK_BYTES_PER_FUEL,
    FUEL_EXHAUSTED,
    FUEL_GET_EXPORT,
    FUEL_SET_EXPORT,
    GROW_FUEL_PER_PAGE,
    START_EXPORT,
    Policy,
    instrument,
    weight,
)
from edge_agent.services.wasm.validate import validate
from tests.services.wasm import wat
from tests.support import wat_subset

BIG = 10**12
REFERENCE = Policy(per_instruction=True)
UNROLL_ALL = 10**6  # an unroll_max_weight that unrolls every loop that qualifies
POLICIES = {
    "default": Policy(),
    "reference": REFERENCE,
    "global counter": Policy(local_counter=False),
    "no hoisting": Policy(hoist_if_arms=False),
    "no sinking": Policy(sink_into_if_arms=False),
    "no charge ahead": Policy(charge_ahead=False),
    "no unrolling": Policy(unroll_max_weight=0),
    "unroll all": Policy(unroll_max_weight=UNROLL_ALL),
    "no landing refunds": Policy(refund_on_landing=False),
    "header checks only": Policy(back_edge_checks=False),
    "header checks, unroll all": Policy(back_edge_checks=False, unroll_max_weight=UNROLL_ALL),
    "windows": Policy(window_always=True),
    "windows, unroll all": Policy(window_always=True, unroll_max_weight=UNROLL_ALL),
    "segments only": Policy(
        local_counter=False,
        hoist_if_arms=False,
        sink_into_if_arms=False,
        charge_ahead=False,
        unroll_max_weight=0,
        refund_on_landing=False,
        window_counter=False,
        back_edge_checks=False,
    ),
}


class Metered:
    """An instrumented module in wasm3: `run` sets the budget, calls, and returns
    (outcome, fuel used), outcome being ("ok", result) or ("trap", message)."""

    def __init__(self, data: bytes, policy: Policy = Policy(), link: Callable[[Any], None] | None = None) -> None:
        self.instance = wat.Instance(instrument(data, policy=policy))
        if link is not None:
            link(self.instance.module)

    def run(self, name: str, *args: int, budget: int = BIG) -> tuple[tuple[str, Any], int]:
        self.instance.call(FUEL_SET_EXPORT, budget)
        try:
            outcome: tuple[str, Any] = ("ok", self.instance.call(name, *args))
        except RuntimeError as exc:
            outcome = ("trap", str(exc))
        return outcome, budget - self.left()

    def left(self) -> int:
        return int(self.instance.call(FUEL_GET_EXPORT))


def plain(data: bytes, name: str, *args: int) -> tuple[str, Any]:
    try:
        return ("ok", wat.Instance(data).call(name, *args))
    except RuntimeError as exc:
        return ("trap", str(exc))


# --- The rewritten module (pure) --------------------------------------------------------------


def test_exports_global_and_types_are_added_after_everything_else() -> None:
    data = wat.fixture("kernels")
    before = binary.parse_module(data)
    out = instrument(data)
    after = binary.parse_module(out)
    assert after.exports[: len(before.exports)] == before.exports
    added = {e.name: e for e in after.exports[len(before.exports) :]}
    assert set(added) == {FUEL_SET_EXPORT, FUEL_GET_EXPORT}
    assert added[FUEL_SET_EXPORT].index == before.num_functions
    assert after.func_type(added[FUEL_SET_EXPORT].index) == binary.FuncType((ValType.I64,), ())
    assert after.func_type(added[FUEL_GET_EXPORT].index) == binary.FuncType((), (ValType.I64,))
    assert after.types[: len(before.types)] == before.types
    assert after.globals[: len(before.globals)] == before.globals
    fuel = after.globals[-1]
    assert fuel.type == binary.GlobalType(ValType.I64, True) and fuel.init.value == 0
    assert after.functions[: len(before.functions)] == before.functions
    for func, body in binary.iter_bodies(after, out):  # every body still decodes
        assert body[-1].opcode == Op.END


def test_deterministic() -> None:
    data = wat.fixture("kernels")
    assert instrument(data) == instrument(bytes(data))


def test_an_empty_module_gets_every_section_it_needs() -> None:
    out = instrument(b"\x00asm\x01\x00\x00\x00")
    m = binary.parse_module(out)
    assert [s.id for s in m.sections] == [SectionId.TYPE, SectionId.FUNCTION, SectionId.GLOBAL, SectionId.EXPORT,
                                          SectionId.CODE]
    assert {e.name for e in m.exports} == {FUEL_SET_EXPORT, FUEL_GET_EXPORT}


def test_start_becomes_an_export_and_indices_stay() -> None:
    data = wat.compile_wat(
        """(module (import "env" "ea_clock_wall_ms" (func (result i64)))
             (global $g (mut i32) (i32.const 0)) (table 1 funcref) (elem (i32.const 0) $s)
             (func $s (i32.const 5) (global.set $g)) (start $s)
             (func (export "g") (result i32) (global.get $g)))"""
    )
    m = binary.parse_module(instrument(data))
    assert m.start is None
    exports = {e.name: e for e in m.exports}
    assert exports[START_EXPORT].kind is ExternKind.FUNC and exports[START_EXPORT].index == 1
    assert exports["g"].index == 2 and m.elements[0].funcs == (1,)


def test_custom_sections_kept_and_debug_info_dropped() -> None:
    data = wat.compile_wat('(module (func (export "f")))')
    names = b"\x01" + bytes([len(b"\x01\x00" + encode_name("f"))]) + b"\x01\x00" + encode_name("f")
    data += encode_section(0, encode_name("name") + names)  # function 0 is called "f"
    data += encode_section(0, encode_name("edge-agent.abi") + b"1")
    data += encode_section(0, encode_name(".debug_info") + b"\x00\x01")
    out = instrument(data)
    m = binary.parse_module(out)
    assert [c.name for c in m.customs] == ["name", "edge-agent.abi"]
    # Function indices do not move, so the name section is still right as it was.
    assert out[m.customs[0].content_start : m.customs[0].end] == names


def test_already_instrumented_is_refused() -> None:
    out = instrument(wat.fixture("kernels"))
    with pytest.raises(ModuleRejected, match="reserved prefix '__ea_'"):
        instrument(out)


def test_malformed_input_raises_module_rejected() -> None:
    with pytest.raises(ModuleRejected, match="bad magic"):
        instrument(b"not wasm")


def _loop_ops(data: bytes, export: str) -> list[str]:
    """The opcode names of the first loop of an instrumented export, `loop` to its `end`."""
    m = binary.parse_module(data)
    func = next(e.index for e in m.exports if e.name == export)
    body = binary.decode_body(m, data, func - m.num_imported_functions)
    start = next(i for i, ins in enumerate(body) if ins.opcode == Op.LOOP)
    depth = 0
    for i in range(start, len(body)):
        if body[i].opcode in (Op.BLOCK, Op.LOOP, Op.IF):
            depth += 1
        elif body[i].opcode == Op.END:
            depth -= 1
            if depth == 0:
                return [binary.opcode_name(ins.opcode) for ins in body[start : i + 1]]
    raise AssertionError("unclosed loop")


CHECK = ["local.get", "i64.const", "i64.sub", "local.tee", "i64.const", "i64.lt_s", "if", "call", "end"]
WINDOW_CHECK = ["local.get", "i32.const", "i32.sub", "local.tee", "i32.const", "i32.lt_s",
                "if", "local.get", "i32.const", "call", "local.set", "end"]
# In place of the br that ends a loop's body and is its only branch back.
BACK_CHECK = ["local.get", "i64.const", "i64.sub", "local.tee", "i64.const", "i64.ge_s", "br_if", "call",
              "unreachable", "end"]
WINDOW_BACK_CHECK = ["local.get", "i32.const", "i32.sub", "local.tee", "i32.const", "i32.ge_s", "br_if",
                     "local.get", "i32.const", "call", "local.set", "br", "end"]


def test_a_tight_loop_pays_one_charge_and_one_check_per_two_iterations() -> None:
    """The structure that makes metering cheap (measured under wasm3; see the commit)."""
    out = instrument(wat.fixture("kernels"))
    body = ["local.get", "local.get", "i32.add", "local.set", "local.get", "i32.const", "i32.add", "local.set",
            "local.get", "local.get", "i32.lt_s"]
    refund = ["local.get", "i64.const", "i64.sub", "local.set"]
    # Unrolled: the first copy goes on into the second where it branched back, and leaves
    # (refunding the second copy's charge) where it fell through.
    assert _loop_ops(out, "sum") == ["loop", *CHECK, "block", *body, "br_if", *refund, "br", "end",
                                     *body, "br_if", "end"]
    # Too heavy to unroll, and testing at its top: one charge ahead per iteration, made
    # where the body branches back, with the check (wasm3 fuses it with the br_if); the
    # exit stays a plain br_if (its refund is made once, where it lands).
    mix = _loop_ops(out, "mix")
    assert mix[:4] == ["loop", "local.get", "i32.eqz", "br_if"] and mix[-len(BACK_CHECK) :] == BACK_CHECK
    assert mix.count("i64.sub") == 1 and mix.count("if") == 0 and mix.count("br_if") == 2
    # With the counter in a local: the function got one more i64 local.
    m = binary.parse_module(out)
    func = next(e.index for e in m.exports if e.name == "sum")
    assert m.codes[func].locals[-1] == (1, ValType.I64)


def test_a_while_loop_is_unrolled_without_labels_and_checked_where_it_branches_back() -> None:
    """A loop whose only branch back ends its body: the first copy runs on into the second
    (no br between them), and the one charge and check of two iterations is made at the
    branch back, as a br_if; the header has none. The exits of the two copies refund
    different amounts, each where it lands (the first copy's in a block added around the
    loop), so both stay plain br_if."""
    out = instrument(wat.compile_wat(LANDINGS))
    test = ["local.get", "i32.eqz", "br_if"]
    step = ["local.get", "i32.const", "i32.sub", "local.set"]
    assert _loop_ops(out, "tail") == ["loop", *test, *step, *test, *step, *BACK_CHECK]
    m = binary.parse_module(out)
    func = next(e.index for e in m.exports if e.name == "tail")
    body = binary.decode_body(m, out, func - m.num_imported_functions)
    names = [binary.opcode_name(ins.opcode) for ins in body]
    assert names[names.index("loop") - 2 : names.index("loop")] == ["block", "block"]  # $done, then the pad
    assert [ins.imm for ins in body if ins.opcode == Op.BR_IF][:2] == [1, 2]  # to the pad, to $done
    # Without back-edge checks, the same unrolled loop checks at its header.
    header = _loop_ops(instrument(wat.compile_wat(LANDINGS), policy=Policy(back_edge_checks=False)), "tail")
    assert header[: len(CHECK) + 1] == ["loop", *CHECK] and header[-2:] == ["br", "end"]


I64_LOOPS = """(module
  (memory 1 4)
  ;; Loops doing only i64 arithmetic: the counter becomes an i32 window on the fuel.
  (func (export "down") (param $n i64) (result i64) (local $s i64)
    (block $done
      (loop $l
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $s (i64.add (local.get $s) (local.get $n)))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $l)))
    (local.get $s))
  (func (export "fill") (param $n i64) (param $len i32) (result i64)
    (memory.fill (i32.const 0) (i32.const 9) (local.get $len))
    (loop $l
      (local.set $n (i64.sub (local.get $n) (i64.const 1)))
      (br_if $l (i64.gt_s (local.get $n) (i64.const 0))))
    (local.get $n))
  (func (export "spin64") (param $x i64) (result i64)
    (loop $l (local.set $x (i64.add (local.get $x) (i64.const 1))) (br $l))
    (local.get $x)))"""


def test_loops_over_i64_keep_an_i32_window_and_stay_exact() -> None:
    data = wat.compile_wat(I64_LOOPS)
    out = instrument(data)
    m = binary.parse_module(out)
    down = next(e.index for e in m.exports if e.name == "down")
    assert m.codes[down].locals[-1] == (1, ValType.I32)
    assert _loop_ops(out, "down")[-len(WINDOW_BACK_CHECK) :] == WINDOW_BACK_CHECK
    spin = _loop_ops(out, "spin64")  # a loop with no exit is checked at its back edge too
    assert spin[-len(WINDOW_BACK_CHECK) :] == WINDOW_BACK_CHECK and spin.count("i64.add") == 2
    metered, reference = Metered(data), Metered(data, REFERENCE)
    for name, args in (("down", (0,)), ("down", (1,)), ("down", (2,)), ("down", (1001,)),
                       ("fill", (1, 0)), ("fill", (5, 60_000)), ("fill", (6, 1)), ("fill", (2, 70_000))):
        outcome, used = metered.run(name, *args)
        assert outcome == plain(data, name, *args), (name, args)
        if outcome[0] == "ok":
            assert used == reference.run(name, *args)[1], (name, args)
        else:  # out of bounds: what the window held is lost, not reported as out of fuel
            assert metered.left() != FUEL_EXHAUSTED and metered.left() >= 0
    # Budgets above what an i32 holds: the window is refilled from the global.
    outcome, used = metered.run("down", 5, budget=2**40)
    assert outcome == ("ok", 15) and used == reference.run("down", 5)[1]
    # Out of fuel in the loop, and in a charge that does not fit a window.
    assert metered.run("spin64", 1, budget=100_000)[0][0] == "trap" and metered.left() == FUEL_EXHAUSTED
    fresh = Metered(data)
    assert fresh.run("fill", 1, 60_000, budget=1000)[0][0] == "trap" and fresh.left() == FUEL_EXHAUSTED
    assert fresh.instance.memory()[:60_000] == bytes(60_000)


@pytest.mark.parametrize("window", [1, 37, 2**30])
def test_small_windows_refill_often_and_stay_exact(window: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(instrument_module, "FUEL_WINDOW", window)
    data = wat.compile_wat(I64_LOOPS)
    metered, reference = Metered(data), Metered(data, REFERENCE)
    for n in (0, 3, 250):
        outcome, used = metered.run("down", n)
        assert outcome == ("ok", n * (n + 1) // 2) and used == reference.run("down", n)[1]
    assert metered.run("spin64", 1, budget=5_000)[0][0] == "trap" and metered.left() == FUEL_EXHAUSTED
    for seed in range(3):
        program_data = wat.compile_wat(program(seed))
        got = _run_all(program_data, metered=True, policy=Policy(window_always=True, unroll_max_weight=UNROLL_ALL))
        want = _run_all(program_data, metered=True, policy=REFERENCE)
        assert got == want


LANDINGS = """(module
  (global $g (mut i32) (i32.const 0))
  (func $bump (global.set $g (i32.add (global.get $g) (i32.const 1))))
  ;; Exits refunded where they land, right before the function's end, a return or a call
  ;; (where the counter is written back to the global).
  (func (export "tail") (param $n i32)
    (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l))))
  (func (export "tail_return") (param $n i32)
    (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    return)
  (func (export "tail_call") (param $n i32)
    (block $done (loop $l (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $l)))
    call $bump)
  (func (export "two_exits") (param $n i32) (result i32)
    (block $done (loop $l
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $done (i32.eq (local.get $n) (i32.const 7)))
      (br $l)))
    (local.get $n)))"""


@pytest.mark.parametrize("policy_name", list(POLICIES))
def test_refunds_where_exits_land(policy_name: str) -> None:
    data = wat.compile_wat(LANDINGS)
    metered, reference = Metered(data, POLICIES[policy_name]), Metered(data, REFERENCE)
    for name in ("tail", "tail_return", "tail_call", "two_exits"):
        for n in (0, 1, 2, 5, 8, 9, 20):
            outcome, used = metered.run(name, n)
            assert outcome == plain(data, name, n) and used == reference.run(name, n)[1], (name, n)


@pytest.mark.parametrize(("name", "args"), [("sum", (7,)), ("sum", (8,)), ("mix", (6,)), ("sort", (9,))])
@pytest.mark.parametrize("policy_name", ["default", "unroll all", "windows, unroll all"])
def test_a_budget_of_what_a_call_needs_is_enough(name: str, args: tuple[int, ...], policy_name: str) -> None:
    """Charges made ahead (exits, unrolled loops) are allowed for by the checks: a call traps
    only if what it has run is over its budget, so a budget of exactly its cost suffices."""
    data = wat.fixture("kernels")
    metered = Metered(data, POLICIES[policy_name])
    needed = _reference_cost(name, *args)
    for budget in range(max(0, needed - 60), needed + 2):
        outcome, used = metered.run(name, *args, budget=budget)
        if budget >= needed:
            assert outcome == plain(data, name, *args) and used == needed, budget
        elif outcome[0] == "trap":
            assert metered.left() == FUEL_EXHAUSTED, budget
        else:
            assert used == needed and metered.left() < 0, budget


# --- Under wasm3: same behaviour, exact fuel ----------------------------------------------------


KERNEL_CALLS = [("sum", (0,)), ("sum", (1,)), ("sum", (1000,)), ("fib", (0,)), ("fib", (1,)), ("fib", (15,)),
                ("mix", (0,)), ("mix", (777,)), ("sort", (0,)), ("sort", (1,)), ("sort", (300,))]


@pytest.mark.parametrize("policy_name", list(POLICIES))
def test_kernels_give_the_same_results_and_fuel_under_every_plan(policy_name: str) -> None:
    data = wat.fixture("kernels")
    metered = Metered(data, POLICIES[policy_name])
    reference = Metered(data, REFERENCE)
    for name, args in KERNEL_CALLS:
        outcome, used = metered.run(name, *args)
        assert outcome == plain(data, name, *args), (name, args)
        assert used == reference.run(name, *args)[1], (name, args)
        assert used > 0


def test_fuel_grows_by_the_loop_body_per_iteration() -> None:
    metered = Metered(wat.fixture("kernels"))
    body = ["local.get", "local.get", "i32.add", "local.set", "local.get", "i32.const", "i32.add", "local.set",
            "local.get", "local.get", "i32.lt_s", "br_if"]
    per_iteration = sum(weight(_opcode(name)) for name in body)
    assert per_iteration == 12
    used = [metered.run("sum", n)[1] for n in (5, 6, 7, 100)]
    assert used[1] - used[0] == used[2] - used[1] == per_iteration
    assert used[3] - used[0] == 95 * per_iteration


def test_fuel_of_recursion_follows_the_call_tree() -> None:
    """fuel(n) = fuel(n-1) + fuel(n-2) + the cost of one inner activation."""
    metered = Metered(wat.fixture("kernels"))
    used = [metered.run("fib", n)[1] for n in range(12)]
    inner = {used[n] - used[n - 1] - used[n - 2] for n in range(2, 12)}
    assert len(inner) == 1
    (k,) = inner
    # local.get, i32.const, i32.lt_s, if (4), then 2 x (local.get, i32.const, i32.sub (3), call (2))
    # and i32.add (1)
    assert k == 15


def test_the_weights() -> None:
    """The fuel schedule is part of the host's contract with services: pinned here."""
    assert [weight(op) for op in (Op.BLOCK, Op.LOOP, Op.ELSE, Op.END, Op.NOP)] == [0] * 5
    assert weight(Op.CALL) == weight(Op.CALL_INDIRECT) == 2
    assert weight(Op.BR_IF) == weight(Op.I64_MUL) == weight(Op.MEMORY_GROW) == weight(Op.UNREACHABLE) == 1
    assert (GROW_FUEL_PER_PAGE, BULK_BYTES_PER_FUEL) == (4096, 16)


def test_memory_grow_and_bulk_memory_are_charged_by_size() -> None:
    data = wat.compile_wat(
        """(module (memory 1 8)
           (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
           (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
           (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 100) (local.get 0))))"""
    )
    metered = Metered(data)
    grow0, grow2 = metered.run("grow", 0), metered.run("grow", 2)
    assert grow0[0] == ("ok", 1) and grow2[0] == ("ok", 1)
    assert grow2[1] - grow0[1] == 2 * GROW_FUEL_PER_PAGE
    fill0, fill = metered.run("fill", 0)[1], metered.run("fill", 16_000)[1]
    assert fill - fill0 == 16_000 // BULK_BYTES_PER_FUEL
    copy0, copy = metered.run("copy", 0)[1], metered.run("copy", 40_000)[1]
    assert copy - copy0 == 40_000 // BULK_BYTES_PER_FUEL
    # Charged before it runs: with too little fuel, nothing is filled.
    fresh = Metered(data)
    outcome, _ = fresh.run("fill", 60_000, budget=100)
    assert outcome[0] == "trap" and fresh.left() == FUEL_EXHAUSTED
    assert fresh.instance.memory()[:60_000] == bytes(60_000)
    assert fresh.run("fill", 60_000)[0] == ("ok", None)
    assert fresh.instance.memory()[:60_000] == b"\x07" * 60_000


def _opcode(name: str) -> int:
    return next(op for op, (n, _) in binary.OPCODES.items() if n == name)


MULTI_VALUE = """(module
  (type $i_i (func (param i32) (result i32)))
  (type $i_ii (func (param i32) (result i32 i32)))
  ;; A loop taking its counter as a parameter and an if without else that passes a value
  ;; through: the instrumenter adds an else (the charge of the false edge) to such ifs.
  (func (export "count") (param $n i32) (result i32)
    local.get $n
    loop $l (type $i_i)
      i32.const 1
      i32.sub
      local.tee $n
      local.get $n
      i32.const 1
      i32.and
      if (type $i_i)
        i32.const 3
        i32.add
      end
      drop
      local.get $n
      local.get $n
      i32.const 0
      i32.gt_s
      br_if $l
    end)
  (func (export "split") (param i32) (result i32)
    local.get 0
    block (type $i_ii)
      i32.const 10
      i32.rem_u
      local.get 0
      i32.const 10
      i32.div_u
      local.get 0
      i32.eqz
      br_if 0
    end
    i32.mul)
  ;; Loops without calls keep the counter in a local: leaving the function from inside one
  ;; (br_if or br_table to the function's label, return) must write it back first.
  (global $ticks (mut i32) (i32.const 0))
  (func (export "early") (param $n i32) (result i32) (local $i i32)
    loop $l
      local.get $i
      i32.const 1
      i32.add
      local.set $i
      local.get $i
      local.get $i
      local.get $n
      i32.ge_u
      br_if 1
      drop
      local.get $i
      i32.const 100
      i32.gt_u
      if
        i32.const -1
        return
      end
      br $l
    end
    i32.const 0)
  (func (export "tick") (param $n i32)
    loop $l
      global.get $ticks
      i32.const 1
      i32.add
      global.set $ticks
      local.get $n
      i32.const 1
      i32.sub
      local.tee $n
      i32.eqz
      br_table $l 1
    end)
  (func (export "ticks") (result i32) global.get $ticks)
  (func (export "table") (param i32) (result i32)
    (block $c (block $b (block $a (br_table $a $b $c (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30)))"""


@pytest.mark.parametrize("policy_name", list(POLICIES))
def test_block_types_with_parameters_and_br_table(policy_name: str) -> None:
    data = wat.compile_wat(MULTI_VALUE)
    metered = Metered(data, POLICIES[policy_name])
    reference = Metered(data, REFERENCE)
    for name, args in (("count", (0,)), ("count", (9,)), ("split", (0,)), ("split", (47,)),
                       ("table", (0,)), ("table", (1,)), ("table", (2,)), ("table", (7,)),
                       ("early", (1,)), ("early", (50,)), ("early", (500,)), ("tick", (1,)), ("tick", (40,))):
        outcome, used = metered.run(name, *args)
        assert outcome == plain(data, name, *args), (name, args)
        assert used == reference.run(name, *args)[1], (name, args)
    assert [metered.run("table", i)[0][1] for i in range(4)] == [10, 20, 30, 30]
    assert metered.run("early", 500)[0] == ("ok", -1)
    assert metered.run("ticks")[0] == ("ok", 41)
    # The loop functions did keep the counter in a local (else this tests nothing new).
    policy = POLICIES[policy_name]
    if policy.local_counter and not policy.per_instruction:
        m = binary.parse_module(instrument(data, policy=policy))
        tick = next(e.index for e in m.exports if e.name == "tick")
        assert m.codes[tick].locals == ((1, ValType.I32 if policy.window_always else ValType.I64),)


# --- Out of fuel -------------------------------------------------------------------------------


@pytest.mark.parametrize("policy_name", list(POLICIES))
def test_an_endless_loop_stops_quickly_and_says_out_of_fuel(policy_name: str) -> None:
    metered = Metered(wat.fixture("kernels"), POLICIES[policy_name])
    started = time.monotonic()
    outcome, _ = metered.run("spin", budget=1_000_000)
    assert time.monotonic() - started < 5.0
    assert outcome[0] == "trap" and "unreachable" in outcome[1]
    assert metered.left() == FUEL_EXHAUSTED


def test_endless_recursion_stops_on_fuel() -> None:
    metered = Metered(wat.fixture("kernels"))
    outcome, _ = metered.run("down", 0, budget=2_000)
    assert outcome[0] == "trap" and metered.left() == FUEL_EXHAUSTED


RECURSE_IN_LOOP = """(module
  ;; Recursion in the first pass of a loop checked where it branches back: the check
  ;; comes before the call, with the charge of that first pass where the loop is entered.
  (func $r (export "r") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (call $r (local.get $n))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))))"""


@pytest.mark.parametrize("policy_name", ["default", "global counter", "header checks only"])
def test_endless_recursion_in_a_loops_first_pass_stops_on_fuel(policy_name: str) -> None:
    metered = Metered(wat.compile_wat(RECURSE_IN_LOOP), POLICIES[policy_name])
    outcome, _ = metered.run("r", 1, budget=5_000)
    assert outcome[0] == "trap" and "unreachable" in outcome[1] and metered.left() == FUEL_EXHAUSTED
    assert metered.run("r", 0)[0] == ("ok", None)


def test_nothing_runs_far_without_a_budget() -> None:
    """The counter starts at zero: a loop traps on its first iteration until the host sets
    a budget."""
    instance = wat.Instance(instrument(wat.fixture("kernels")))
    with pytest.raises(RuntimeError):
        instance.call("sum", 10)
    assert instance.call(FUEL_GET_EXPORT) == FUEL_EXHAUSTED


def test_other_traps_are_not_out_of_fuel() -> None:
    data = wat.compile_wat(
        """(module (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
                   (func (export "bad") unreachable))"""
    )
    metered = Metered(data)
    for name, args in (("div", (0,)), ("bad", ())):
        outcome, used = metered.run(name, *args, budget=1000)
        assert outcome[0] == "trap" and metered.left() != FUEL_EXHAUSTED and metered.left() >= 0
    assert metered.run("div", 2)[0] == ("ok", 0)


@settings(max_examples=60, deadline=None)
@given(budget=st.integers(0, 3000), n=st.integers(0, 200))
def test_a_budget_is_honoured_exactly(budget: int, n: int) -> None:
    """Enough fuel: the call returns and leaves budget - used. Too little: it traps out of
    fuel, or (no check came after the counter went negative) returns having overrun."""
    data = wat.fixture("kernels")
    needed = _reference_cost("sum", n)
    metered = _metered_kernels()
    outcome, used = metered.run("sum", n, budget=budget)
    if budget >= needed:
        assert outcome == ("ok", n * (n - 1) // 2) and used == needed
    elif outcome[0] == "trap":
        assert metered.left() == FUEL_EXHAUSTED
    else:
        assert used == needed and metered.left() < 0
    assert plain(data, "sum", n) == ("ok", n * (n - 1) // 2)


_CACHE: dict[str, Any] = {}


def _metered_kernels() -> Metered:
    if "kernels" not in _CACHE:
        _CACHE["kernels"] = Metered(wat.fixture("kernels"))
    return _CACHE["kernels"]


def _reference_cost(name: str, *args: int) -> int:
    if "reference" not in _CACHE:
        _CACHE["reference"] = Metered(wat.fixture("kernels"), REFERENCE)
    return _CACHE["reference"].run(name, *args)[1]


# --- Start functions and host imports ----------------------------------------------------------


def test_start_runs_metered_when_the_host_calls_it() -> None:
    data = wat.compile_wat(
        """(module (global $g (mut i32) (i32.const 0))
             (func $s (global.set $g (i32.const 42))) (start $s)
             (func (export "g") (result i32) (global.get $g)))"""
    )
    # pywasm3 0.5 never runs a start function itself: the reason for __ea_start.
    assert plain(data, "g") == ("ok", 0)
    metered = Metered(data)
    assert metered.run(START_EXPORT)[0] == ("ok", None)
    assert metered.run("g")[0] == ("ok", 42)


def test_calls_to_host_imports_work_and_cost_the_call() -> None:
    data = wat.compile_wat(
        """(module (import "env" "ea_clock_wall_ms" (func $now (result i64)))
             (func (export "twice") (result i64) (local $i i32) (local $t i64)
               (loop $l (local.set $t (i64.add (local.get $t) (call $now)))
                        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 2))))
               (local.get $t)))"""
    )
    metered = Metered(data, link=lambda m: m.link_function("env", "ea_clock_wall_ms", "I()", lambda: 21))
    reference = Metered(data, REFERENCE, link=lambda m: m.link_function("env", "ea_clock_wall_ms", "I()", lambda: 21))
    outcome, used = metered.run("twice")
    assert outcome == ("ok", 42) and used == reference.run("twice")[1]


# --- Random programs ---------------------------------------------------------------------------


def _run_all(data: bytes, metered: bool, policy: Policy = Policy()) -> list[tuple[Any, ...]]:
    """Every export with a few arguments, in one runtime (state carries over, as in a
    service): outcome, a digest of memory, and the fuel used."""
    instance = wat.Instance(instrument(data, policy=policy) if metered else data)
    out: list[tuple[Any, ...]] = []
    for name in [f"f{i}" for i in reversed(range(N_FUNCS))] + ["rec"]:
        for a, b in ((0, 0), (1, 2), (7, -3), (300, 5)):
            args = (a & 3, b) if name == "rec" else (a, b)
            if metered:
                instance.call(FUEL_SET_EXPORT, BIG)
            try:
                outcome: tuple[str, Any] = ("ok", instance.call(name, *args))
            except RuntimeError as exc:
                outcome = ("trap", str(exc))
            used = BIG - instance.call(FUEL_GET_EXPORT) if metered else None
            out.append((name, args, outcome, hashlib.sha256(instance.memory()).hexdigest(), used))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_behave_the_same_and_cost_the_same_under_every_plan(seed: int) -> None:
    data = wat.compile_wat(program(seed))
    expected = _run_all(data, metered=False)
    reference = _run_all(data, metered=True, policy=REFERENCE)
    assert [r[:4] for r in reference] == [e[:4] for e in expected]
    for name, policy in POLICIES.items():
        got = _run_all(data, metered=True, policy=policy)
        assert [g[:4] for g in got] == [e[:4] for e in expected], name
        assert [g[4] for g in got] == [r[4] for r in reference], name


@settings(max_examples=15, deadline=None)
@given(st.integers(40, 2**32))
def test_more_random_programs_cost_what_the_reference_says(seed: int) -> None:
    data = wat_subset.assemble(program(seed))  # drawn, so not in the store: no wabt needed
    expected = _run_all(data, metered=False)
    got = _run_all(data, metered=True)
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    assert [g[4] for g in got] == [r[4] for r in _run_all(data, metered=True, policy=REFERENCE)]


@pytest.mark.parametrize("seed", range(40))
def test_the_subset_assembler_builds_what_wabt_built(seed: int) -> None:
    """The drawn programs above are assembled by tests/support/wat_subset.py, not by wabt: on
    the stored seeds it gives wabt's binary byte for byte, which our validator accepts."""
    data = wat_subset.assemble(program(seed))
    assert data == wat.compile_wat(program(seed))
    assert validate(data).functions.keys() == {"rec", *(f"f{i}" for i in range(N_FUNCS))}


def test_the_generator_covers_what_the_planner_treats_specially() -> None:
    ops: set[int] = set()
    for seed in range(40):
        data = wat.compile_wat(program(seed))
        m = binary.parse_module(data)
        for _, body in binary.iter_bodies(m, data):
            ops.update(ins.opcode for ins in body)
    wanted = {Op.BLOCK, Op.LOOP, Op.IF, Op.ELSE, Op.BR, Op.BR_IF, Op.BR_TABLE, Op.RETURN, Op.UNREACHABLE, Op.CALL,
              Op.CALL_INDIRECT, Op.MEMORY_GROW, Op.MEMORY_FILL, Op.MEMORY_COPY, Op.SELECT}
    assert wanted <= ops


# A generator of random, always-terminating programs. Loops count down a local of their own
# at their top, so a branch back to one only repeats while its counter is positive; calls go
# to functions with a higher index only, and $rec has a depth argument; divisions divide by
# odd numbers. Every call therefore returns, and its results, memory and fuel can be compared.

N_FUNCS = 5
LEAF = N_FUNCS - 1  # the last function calls nothing
_BINOPS = ("i32.add", "i32.sub", "i32.mul", "i32.xor", "i32.and", "i32.or", "i32.shl", "i32.shr_u", "i32.rotl")


class _Gen:
    def __init__(self, rng: random.Random, func: int) -> None:
        self.rng = rng
        self.func = func
        self.labels: list[tuple[str, str]] = []  # (name, counter) of enclosing empty-typed blocks
        self.counters = 0
        self.loop_depth = 0
        self.label_count = 0
        self.budget = 60  # statements and expressions left, so bodies stay small

    def label(self, kind: str) -> str:
        self.label_count += 1
        return f"${kind}{self.label_count}"

    def spend(self) -> bool:
        self.budget -= 1
        return self.budget > 0

    # Expressions push one i32.

    def expr(self, depth: int) -> list[str]:
        r = self.rng
        if depth <= 0 or not self.spend():
            return [r.choice(["local.get $a", "local.get $b", "local.get $x", "global.get $g", f"i32.const {r.randint(-5, 300)}"])]
        choice = r.randrange(14)
        if choice <= 3:
            return [*self.expr(depth - 1), *self.expr(depth - 1), r.choice(_BINOPS)]
        if choice == 4:
            return [*self.expr(depth - 1), "i32.eqz"]
        if choice == 5:  # division by an odd number: never by zero
            return [*self.expr(depth - 1), *self.expr(depth - 1), "i32.const 1", "i32.or", "i32.div_u"]
        if choice == 6:
            return [*self.expr(depth - 1), *self.expr(depth - 1), *self.expr(depth - 1), "select"]
        if choice == 7:
            return [*self.expr(depth - 1), "if (result i32)", *self.expr(depth - 1), "else", *self.expr(depth - 1), "end"]
        if choice == 8 and self.func < LEAF:
            callee = r.randint(self.func + 1, LEAF)
            return [*self.expr(depth - 1), *self.expr(depth - 1), f"call $f{callee}"]
        if choice == 9:
            return [*self.expr(depth - 1), "i32.const 1020", "i32.and", "i32.load"]
        if choice == 10:  # multi-value block, and a block taking a parameter
            return [
                "block (result i32 i32)", *self.expr(depth - 1), *self.expr(depth - 1), "end", "i32.add",
                "block (param i32) (result i32)", "i32.const 3", "i32.mul", "end",
            ]
        if choice == 11:  # br_if carrying a value out of a block
            name = self.label("v")
            return [
                f"block {name} (result i32)", *self.expr(depth - 1), *self.expr(depth - 1),
                f"br_if {name}", "i32.const 7", "i32.add", "end",
            ]
        if choice == 12 and self.func < LEAF:
            callee = r.randint(self.func + 1, LEAF)
            return [*self.expr(depth - 1), *self.expr(depth - 1), f"i32.const {callee}", "call_indirect (type $t)"]
        if choice == 13:
            return ["i32.const 3", *self.expr(depth - 1), "i32.const 3", "i32.and", "call $rec"]
        return ["memory.size"]

    # Statements leave the stack as they found it.

    def stmts(self, depth: int, n: int | None = None) -> list[str]:
        out: list[str] = []
        for _ in range(self.rng.randint(1, 4) if n is None else n):
            out += self.stmt(depth)
        return out

    def stmt(self, depth: int) -> list[str]:
        r = self.rng
        if depth <= 0 or not self.spend():
            return [*self.expr(1), r.choice(["local.set $x", "global.set $g", "drop"])]
        choice = r.randrange(16)
        if choice <= 2:
            return [*self.expr(2), r.choice(["local.set $x", "local.set $a", "global.set $g"])]
        if choice == 3:
            return [*self.expr(1), "i32.const 1020", "i32.and", *self.expr(2), "i32.store"]
        if choice == 4:
            name = self.label("b")
            self.labels.append((name, ""))
            body = self.stmts(depth - 1)
            self.labels.pop()
            return [f"block {name}", *body, "end"]
        if choice == 5 and self.loop_depth < 2:
            return self.loop(depth)
        if choice == 6:
            self.labels.append((self.label("i"), ""))
            name = self.labels[-1][0]
            then = self.stmts(depth - 1)
            other = self.stmts(depth - 1) if r.random() < 0.5 else None
            self.labels.pop()
            return [*self.expr(1), f"if {name}", *then, *(["else", *other] if other is not None else []), "end"]
        exits = [name for name, counter in self.labels if not counter]
        if choice in (7, 8) and self.labels:
            name, counter = r.choice(self.labels)
            if counter:  # back to a loop's start: only while its counter is positive
                return [*self.expr(1), "i32.eqz", "i32.eqz", f"local.get {counter}", "i32.const 0", "i32.gt_s",
                        "i32.and", f"br_if {name}"]
            return [*self.expr(1), f"br_if {name}"]
        if choice == 9 and exits:
            targets = [r.choice(exits) for _ in range(r.randint(1, 3))]
            return [*self.expr(1), "i32.const 3", "i32.and", f"br_table {' '.join(targets)}", *self.dead()]
        if choice == 10 and exits:
            return [f"br {r.choice(exits)}", *self.dead()]
        if choice == 11 and r.random() < 0.3:
            return [*self.expr(1), "return", *self.dead()]
        if choice == 12:
            return [*self.expr(1), "i32.const 1023", "i32.and", *self.expr(1), f"i32.const {r.randint(0, 200)}", "memory.fill"]
        if choice == 13:
            return [*self.expr(1), "i32.const 511", "i32.and", *self.expr(1), "i32.const 511", "i32.and",
                    f"i32.const {r.randint(0, 300)}", "memory.copy"]
        if choice == 14:
            return [f"i32.const {r.randint(0, 1)}", "memory.grow", "global.set $g"]
        return ["nop"]

    def dead(self) -> list[str]:
        """Code after an unconditional branch: never runs, must still be valid."""
        r = self.rng
        if r.random() < 0.5:
            return []
        return r.choice([["i32.const 1", "drop"], ["unreachable"], ["block", "nop", "end"], ["loop", "br 0", "end"]])

    def loop(self, depth: int) -> list[str]:
        """A loop tested at its end (br_if back), or one tested at its top and branching back
        with the br that ends its body (the instrumenter checks those there)."""
        self.counters += 1
        counter = f"$c{self.counters}"
        name = self.label("l")
        start = [f"i32.const {self.rng.randint(1, 3)}", f"local.set {counter}"]
        step = [f"local.get {counter}", "i32.const 1", "i32.sub", f"local.set {counter}"]
        exit_label = self.label("w") if self.rng.random() < 0.5 else None
        if exit_label is not None:
            self.labels.append((exit_label, ""))
        self.labels.append((name, counter))
        self.loop_depth += 1
        body = self.stmts(depth - 1)
        self.loop_depth -= 1
        self.labels.pop()
        if exit_label is None:
            return [*start, f"loop {name}", *step, *body,
                    f"local.get {counter}", "i32.const 0", "i32.gt_s", f"br_if {name}", "end"]
        self.labels.pop()
        return [*start, f"block {exit_label}", f"loop {name}",
                f"local.get {counter}", "i32.const 0", "i32.le_s", f"br_if {exit_label}",
                *step, *body, f"br {name}", "end", "end"]


def program(seed: int) -> str:
    """The text of a random module; exports f0..f4 (i32, i32) -> i32 and rec."""
    rng = random.Random(seed)
    funcs = []
    for i in range(N_FUNCS):
        gen = _Gen(rng, i)
        body = gen.stmts(4, n=rng.randint(2, 5))
        result = gen.expr(2)
        counters = " ".join(f"(local $c{k} i32)" for k in range(1, gen.counters + 1))
        funcs.append(
            f"(func $f{i} (export \"f{i}\") (type $t) (param $a i32) (param $b i32) (result i32)"
            f" (local $x i32) {counters} (local i64)\n  "
            + "\n  ".join(body + result)
            + ")"
        )
    return f"""(module
  (type $t (func (param i32 i32) (result i32)))
  (memory 1 2)
  (global $g (mut i32) (i32.const 1))
  (table {N_FUNCS} funcref)
  (elem (i32.const 0) {" ".join(f"$f{i}" for i in range(N_FUNCS))})
  (func $rec (export "rec") (param $d i32) (param $v i32) (result i32)
    local.get $d
    i32.eqz
    if (result i32)
      local.get $v
    else
      local.get $d i32.const 1 i32.sub local.get $v i32.const 3 i32.mul i32.const 1 i32.add call $rec
      local.get $d i32.const 1 i32.sub local.get $v call $rec
      i32.add
    end)
{chr(10).join(funcs)})
"""


@pytest.mark.parametrize("policy_name", sorted(POLICIES))
def test_a_host_call_costs_what_it_does_and_is_charged_before_it_runs(policy_name: str) -> None:
    """A host import leaves wasm3 for Python: `HOST_CALL_FUEL` a call, and the imports that
    move bytes one fuel per byte of their last argument, charged before they run. At 2 fuel a
    call, a loop over `ea_random` ran to the deadline (a killed worker) instead of out of fuel."""
    data = wat.compile_wat(
        """(module (import "env" "ea_random" (func $rand (param i32 i32) (result i32)))
             (import "env" "ea_clock_wall_ms" (func $now (result i64)))
             (memory 2)
             (func (export "rand") (param i32) (result i32) (call $rand (i32.const 0) (local.get 0)))
             (func (export "now") (result i64) (call $now))
             (func (export "two") (result i64) (i64.add (call $now) (call $now))))"""
    )
    calls: list[int] = []

    def link(module: Any) -> None:
        module.link_function("env", "ea_random", "i(ii)", lambda ptr, n: calls.append(n) or 0)
        module.link_function("env", "ea_clock_wall_ms", "I()", lambda: 21)

    metered = Metered(data, POLICIES[policy_name], link=link)
    (_, rand0), (_, rand) = metered.run("rand", 0), metered.run("rand", 50_000)
    assert rand - rand0 == 50_000
    assert rand0 >= HOST_CALL_FUEL
    (_, one), (_, two) = metered.run("now"), metered.run("two")
    assert two - one >= HOST_CALL_FUEL
    calls.clear()
    fresh = Metered(data, POLICIES[policy_name], link=link)
    outcome, _ = fresh.run("rand", 60_000, budget=HOST_CALL_FUEL + 1000)
    assert outcome[0] == "trap" and fresh.left() == FUEL_EXHAUSTED and calls == []  # never ran
