"""Meter a module with fuel: rewrite its bytes at deploy time so that it counts its own work.

wasm3 can neither be interrupted nor meter a module it did not see instrumented
(docs/design.md §4), so a module carries its own counter: one added mutable i64 global,
read and written by two added exports, ``__ea_fuel_set (i64)`` and ``__ea_fuel_get () -> i64``.
The host sets the budget before each call and reads what is left after it.

Accounting, exact and deterministic: every instruction has a weight (`weight`). Each
function body is cut into straight-line *segments* — at entry, after ``loop``, at each arm
of an ``if``, after ``br_if``, after the ``end`` of a block that is branched to or left
early — and a segment's total weight is subtracted once per run of the segment, near its
start (a loop header's where execution enters the loop and where it branches back: see
Checks). A call that returns has consumed exactly the sum of the weights of the
instructions it executed (tests check every plan against a per-instruction reference);
one that traps other than for fuel may be off by the rest of a segment (by up to
`FUEL_WINDOW` in a function that keeps a window: the host reads the counter after such a
trap only to see that it is not `FUEL_EXHAUSTED`). Operations whose work grows with an
operand are charged for it just before they run: `GROW_FUEL_PER_PAGE`,
`BULK_BYTES_PER_FUEL`, `TABLE_FUEL_PER_ELEMENT`.

Checks: only back edges and calls make execution unbounded, so the counter is compared
only where loops go round, before calls into module code (once per segment) and after
operand-sized charges; elsewhere it is only decremented. A loop whose only branch back is
the ``br`` that ends its body (a loop testing at its top, as compilers and people write
``while``) is charged and checked there, the ``br`` becoming ``br_if`` on the check, and
its first run of the header is charged with the code that enters the loop (checked there
too if that run calls module code); other loops at their header. A check allows for what its
segment charged ahead of time and may still refund (its *slack*, see below): it fails
when what the call has really run, through the end of the segment, is over the budget.
So a budget of exactly what a call needs is enough, and a failed check is a real overrun.
Then the module sets the counter to `FUEL_EXHAUSTED` and executes ``unreachable``, so
after a trap the host tells "out of fuel" from every other trap by reading exactly that
value. Between two checks a call runs at most straight-line code, which may include the
first pass through a loop's body (two iterations of an unrolled loop), times the stack
depth while it returns: a call that returns with a negative counter did finish, over its
budget by that much, and the host decides whether that counts as a failure.

Speed: wasm3 runs every operation through an indirect jump, and a check is four of them
(subtract, store, compare, branch), three where it ends a loop's body: wasm3 fuses a
``br_if`` back to a loop into one operation, as it compiles the ``br``, so there the branch
costs nothing more. Measured with pywasm3 on x86-64 against the uninstrumented module, in
CPU time (wall time on a shared machine varied 0.9-1.5x for the same pair of modules, and
the plain count-down alone 28-57 ms from one process to the next): 1.0-1.3x on hashing,
bit mixing, sorting and recursion; wasm_bench's sieve 1.1-1.4x (1.3-1.6x checking loops
at their header) and its count-down loop over an i64 1.1-1.25x (1.2-1.5x checking at the
header, 1.4x with ``if`` exits, below), 0.9-1.1x in processes where the plain loop runs in
its slow mode (the unrolled loop enters wasm3's loop operation once per two iterations).
Where the charges go matters more than anything else:
- what follows a block, loop or if that cannot be left early is charged with the segment
  that opened it, and what follows an if reached from one arm only continues that arm;
- the cheaper arm of an ``if`` is charged before it, so that arm pays nothing;
- a segment that runs an ``if`` and has no check is charged in the arms instead (an
  ``else`` is added if needed), so each path pays one charge;
- the segment after an exit ``br_if`` is charged ahead with the one before it and
  refunded on the exit edge, so a loop testing at its top pays one charge per iteration;
  the refund goes where the exit lands when every branch to that label carries one (the
  most common of the exit edges' refunds: those ``br_if`` stay as they were; ``if
  <refund> br end`` is one wasm3 operation too, but a slower one when not taken, measured
  1.4x instead of 1.16x on the count-down loop);
- innermost loops of up to `Policy.unroll_max_weight` are unrolled twice (`unroll`): the
  second copy of the body is charged with the first and refunded where execution leaves
  the first copy, so two iterations pay one charge and one check. A loop testing at its
  top runs on from the first copy into the second, and the first copy's exits land in a
  block added around the loop, so that each copy's refund is made once where it lands.
  Not heavier loops: there the check matters less, and longer runs of repeated
  operations were measured slower, in some heap layouts twice as slow;
- in functions whose loops call no module code the counter lives in a local (wasm3 keeps
  locals in frame slots, so a check costs about four of its operations instead of six),
  written back to the global at exits and around calls. Where those loops do only i64
  arithmetic the local is an i32 window on the fuel (`FUEL_WINDOW`): an i64 counter
  there shares wasm3's operations with the loop's own and runs up to twice as slow.

Indices: the global goes after all globals, the added functions (fuel_set, fuel_get, out of
fuel, and a window's refill and charge) after all functions, the added types after all
types and the added locals after a function's own, so no existing index changes and the
export, element and name sections stay valid as they are. The start
section is removed and its function exported as ``__ea_start``: pywasm3 0.5 never runs a
start function, so the host calls it after loading, with fuel, like any other call. Custom
sections that point into code by byte offset (``.debug_*``, ``reloc.*``, ``linking``...)
are dropped.

Pure: no I/O, no wasm3. Expects a module that passed `validate.validate`; it parses the
module again and raises `ModuleRejected` on anything it cannot rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent import const
from edge_agent.services.wasm import binary
from edge_agent.services.wasm.binary import (
    SECTION_RANK,
    ExternKind,
    FuncType,
    Instr,
    Module,
    Op,
    SectionId,
    ValType,
    encode_name,
    encode_s64,
    encode_section,
    encode_u32,
    encode_vec,
)
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.fuel_costs import (
    BULK_BYTES_PER_FUEL,
    GROW_FUEL_PER_PAGE,
    HOST_BYTES_IMPORTS,
    HOST_CALL_FUEL,
    SIZED,
    TABLE_FUEL_PER_ELEMENT,
    weight,
)
from edge_agent.services.wasm.fuel_plan import (
    BackEdge,
    ElseArm,
    ExitEdge,
    Insert,
    Planner,
    Segment,
    plan_per_instruction,
)
from edge_agent.services.wasm.loops import has_loop_without_calls, window_pays
from edge_agent.services.wasm.unroll import Unrolled, unroll

__all__ = [  # the fuel costs (fuel_costs.py) are part of this module's contract
    "BULK_BYTES_PER_FUEL",
    "FUEL_EXHAUSTED",
    "FUEL_GET_EXPORT",
    "FUEL_SET_EXPORT",
    "FUEL_WINDOW",
    "GROW_FUEL_PER_PAGE",
    "INITIAL_FUEL",
    "RESERVED_EXPORT_PREFIX",
    "START_EXPORT",
    "TABLE_FUEL_PER_ELEMENT",
    "Policy",
    "instrument",
    "weight",
]

FUEL_SET_EXPORT = "__ea_fuel_set"
"""Export ``(i64) -> ()``: sets the fuel counter (the budget of the next call)."""

FUEL_GET_EXPORT = "__ea_fuel_get"
"""Export ``() -> i64``: reads the fuel counter (what is left, or `FUEL_EXHAUSTED`)."""

START_EXPORT = "__ea_start"
"""Export ``() -> ()`` of the module's start function, if it had one; the host calls it once
after loading (pywasm3 0.5 does not run start functions)."""

RESERVED_EXPORT_PREFIX = "__ea_"
"""Export names with this prefix belong to the instrumentation (docs/service-abi.md)."""

FUEL_EXHAUSTED = -(2**63)
"""The counter's value after the module trapped for lack of fuel. Nothing else reaches it:
budgets are at most `const.MAX_WASM_FUEL` and the charges between checks are tiny beside
2**63."""

INITIAL_FUEL = 0
"""The counter's value when the module is loaded: nothing runs until the host sets a budget."""

FUEL_WINDOW = 2**30
"""Most a window counter holds. Functions whose loops do i64 arithmetic keep the counter in
an i32 local, a window on the fuel (fuel = global + local): under wasm3 on x86-64 an i64
counter beside the loop's own i64 operations costs up to twice as much. A check that finds
the window below zero (or below its slack) calls a helper that moves fuel over from the
global, or traps if there is none left. Charges between checks are far smaller than
2**31 - FUEL_WINDOW, so the i32 cannot wrap."""

# Custom sections whose content points into the code section by byte offset.
_DROPPED_CUSTOM_PREFIXES = (".debug_", "reloc.", "linking", "external_debug_info", "sourceMappingURL")

# The sections the rewrite produces, created if the module has none.
_REWRITTEN = (SectionId.TYPE, SectionId.FUNCTION, SectionId.GLOBAL, SectionId.EXPORT, SectionId.CODE)


@dataclass(frozen=True, slots=True)
class Policy:
    """How the counter is kept. The defaults are the fastest measured under wasm3; the
    switches exist so tests can compare plans (all must charge the same totals)."""

    local_counter: bool = True
    """Keep the counter in a local in functions whose loops call no module code."""
    hoist_if_arms: bool = True
    """Charge the cheaper arm's first segment of an if/else before the ``if``."""
    sink_into_if_arms: bool = True
    """Charge a segment that ends with an ``if`` in the arms instead."""
    charge_ahead: bool = True
    """Charge the segment after an exit ``br_if`` before it, refunding it on the exit."""
    unroll_max_weight: int = 14
    """Unroll innermost loops whose body weighs at most this much twice, so that one charge
    and check serve two iterations (0: never). In heavier loops the check is a small part
    of an iteration, and longer runs of repeated wasm3 operations measured slower."""
    refund_on_landing: bool = True
    """Refund exits once where they land rather than on each exit edge."""
    window_counter: bool = True
    """Keep a local counter in an i32 (a window on the fuel) where loops do only i64
    arithmetic."""
    window_always: bool = False
    """Use a window for every local counter (for tests)."""
    back_edge_checks: bool = True
    """Charge and check a loop whose only branch back ends its body at that branch, fused
    with it, instead of at its header."""
    per_instruction: bool = False
    """Reference plan: charge every instruction on its own, with the global."""


DEFAULT_POLICY = Policy()


def instrument(data: bytes, *, initial_fuel: int = INITIAL_FUEL, policy: Policy = DEFAULT_POLICY) -> bytes:
    """Return `data` with fuel metering added (the module docstring has the contract).

    Raises `ModuleRejected` if the module is malformed or already exports a ``__ea_`` name.
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    # Validated modules are far smaller; the cap is what can reach a worker at all.
    module = binary.parse_module(data, max_bytes=const.WASM_MAX_FRAME_BYTES)
    for exp in module.exports:
        if exp.name.startswith(RESERVED_EXPORT_PREFIX):
            raise ModuleRejected(f"export {exp.name!r} uses the reserved prefix {RESERVED_EXPORT_PREFIX!r}")
    return _Rewriter(module, data, initial_fuel, policy).run()


# --- The module -----------------------------------------------------------------------------


class _Rewriter:
    def __init__(self, module: Module, data: bytes, initial_fuel: int, policy: Policy) -> None:
        self.m = module
        self.data = data
        self.initial_fuel = initial_fuel
        self.policy = policy
        self.new_types: list[FuncType] = []
        self.fuel_global = module.num_globals
        base = module.num_functions
        self.f_set, self.f_get, self.f_oof, self.f_refill, self.f_charge = range(base, base + 5)
        i32, i64 = ValType.I32, ValType.I64
        self.added_types = (
            self._type_index(FuncType((i64,), ())),  # fuel_set
            self._type_index(FuncType((), (i64,))),  # fuel_get
            self._type_index(FuncType((), ())),  # out of fuel
            self._type_index(FuncType((i32, i32), (i32,))),  # refill (counter, slack) -> counter
            self._type_index(FuncType((i32, i64), (i32,))),  # charge (counter, amount) -> counter
        )
        g = encode_u32(self.fuel_global)
        self.g_get = b"\x23" + g
        self.g_set = b"\x24" + g
        imported = module.imports_of(ExternKind.FUNC)
        self.host_bytes = frozenset(
            i for i, imp in enumerate(imported)
            if imp.module == "env" and imp.name in HOST_BYTES_IMPORTS and isinstance(imp.desc, int)
            and module.types[imp.desc].params[-1:] == (i32,)
        )
        """The function indices of the host imports charged by the bytes their last argument names."""

    def _type_index(self, ft: FuncType) -> int:
        all_types = [*self.m.types, *self.new_types]
        if ft in all_types:
            return all_types.index(ft)
        self.new_types.append(ft)
        return len(all_types)

    def run(self) -> bytes:
        m, data = self.m, self.data
        out = [data[:8]]
        custom_names = {c.end: c.name for c in m.customs}
        present = {sec.id for sec in m.sections}
        missing = [sid for sid in _REWRITTEN if sid not in present]

        def add_missing_before(sid: int | None) -> None:
            while missing and (sid is None or SECTION_RANK[missing[0]] < SECTION_RANK[sid]):
                new = missing.pop(0)
                out.append(encode_section(new, self._content(new, None)))

        for sec in m.sections:
            if sec.id == SectionId.CUSTOM:
                if not custom_names[sec.end].startswith(_DROPPED_CUSTOM_PREFIXES):
                    out.append(data[sec.offset : sec.end])
                continue
            add_missing_before(sec.id)
            if sec.id in _REWRITTEN:
                out.append(encode_section(sec.id, self._content(sec.id, sec)))
            elif sec.id != SectionId.START:
                out.append(data[sec.offset : sec.end])
        add_missing_before(None)
        return b"".join(out)

    def _content(self, sid: int, sec: binary.Section | None) -> bytes:
        """The new content of a section we change; `sec` is the original, if any."""
        m, data = self.m, self.data
        if sid == SectionId.TYPE:
            return encode_vec([binary.encode_func_type(t) for t in (*m.types, *self.new_types)])
        if sid == SectionId.FUNCTION:
            return encode_vec([encode_u32(t) for t in (*m.functions, *self.added_types)])
        if sid == SectionId.GLOBAL:
            fuel = b"\x7e\x01\x42" + encode_s64(self.initial_fuel) + b"\x0b"  # mut i64 = initial
            return encode_u32(len(m.globals) + 1) + _vec_items(data, sec) + fuel
        if sid == SectionId.EXPORT:
            new = [
                encode_name(FUEL_SET_EXPORT) + b"\x00" + encode_u32(self.f_set),
                encode_name(FUEL_GET_EXPORT) + b"\x00" + encode_u32(self.f_get),
            ]
            if m.start is not None:
                new.append(encode_name(START_EXPORT) + b"\x00" + encode_u32(m.start))
            return encode_u32(len(m.exports) + len(new)) + _vec_items(data, sec) + b"".join(new)
        if sid == SectionId.CODE:
            bodies = [self._rewrite_body(i) for i in range(len(m.codes))]
            bodies.extend(self._added_bodies())
            return encode_vec(bodies)
        raise AssertionError(sid)

    def _added_bodies(self) -> list[bytes]:
        """fuel_set, fuel_get, out of fuel, and the refill and charge of window counters."""
        g_get, g_set = self.g_get, self.g_set
        window = encode_s64(FUEL_WINDOW)
        # t (local 2, i64) is the fuel left, at least minus the slack: the window becomes
        # min(t, FUEL_WINDOW) and the global keeps the rest.
        split = (
            b"\x20\x02\x42" + window + b"\x55"  # local.get 2; i64.const W; i64.gt_s
            + b"\x04\x7f"  # if (result i32)
            + b"\x20\x02\x42" + window + b"\x7d" + g_set  # global = t - W
            + b"\x41" + window  # i32.const W
            + b"\x05"  # else
            + b"\x42\x00" + g_set  # global = 0
            + b"\x20\x02\xa7"  # i32.wrap_i64 t
            + b"\x0b\x0b"  # end; end of function
        )
        oof = b"\x10" + encode_u32(self.f_oof)
        exhausted = b"\x42" + encode_s64(FUEL_EXHAUSTED) + g_set + b"\x00\x0b"
        # refill (window, slack): t = global + window; out of fuel if t + slack < 0.
        refill = (
            g_get + b"\x20\x00\xac\x7c\x22\x02"  # t = global + i64(window)
            + b"\x20\x01\xad\x7c\x42\x00\x53\x04\x40" + oof + b"\x0b"  # if t + slack < 0: out
            + split
        )
        # charge (window, amount): t = global + window - amount; out of fuel if t < 0.
        charge = (
            g_get + b"\x20\x00\xac\x7c\x20\x01\x7d\x22\x02"
            + b"\x42\x00\x53\x04\x40" + oof + b"\x0b"
            + split
        )
        one_i64 = b"\x01\x01\x7e"  # one i64 local
        return [
            _body(b"\x00", b"\x20\x00" + g_set + b"\x0b"),  # fuel_set
            _body(b"\x00", g_get + b"\x0b"),  # fuel_get
            _body(b"\x00", exhausted),  # out of fuel: mark, then trap
            _body(one_i64, refill),
            _body(one_i64, charge),
        ]

    def _rewrite_body(self, index: int) -> bytes:
        m, data = self.m, self.data
        code = m.codes[index]
        instrs = binary.decode_body(m, data, index)
        n_locals = len(m.func_type(m.num_imported_functions + index).params) + code.num_locals
        calls_module = self._calls_module
        body_data, body_start, body_end = data, code.body_start, code.end
        unrolled: Unrolled | None = None
        if self.policy.unroll_max_weight > 0 and not self.policy.per_instruction:
            unrolled = unroll(instrs, data, m.types, calls_module, self.policy.unroll_max_weight)
            if unrolled is not None:
                body_data, instrs = unrolled.data, unrolled.instrs
                body_start, body_end = 0, len(body_data)
        use_local = (
            self.policy.local_counter
            and not self.policy.per_instruction
            and has_loop_without_calls(instrs, calls_module)
        )
        new_locals: list[tuple[int, ValType]] = []
        counter_local = scratch_local = -1
        window = False
        if use_local:
            counter_local = n_locals
            window = self.policy.window_counter and (
                self.policy.window_always or window_pays(instrs)
            )
            new_locals.append((1, ValType.I32 if window else ValType.I64))
        host_bytes = self.host_bytes
        if any(ins.opcode in SIZED or (ins.opcode == Op.CALL and ins.imm in host_bytes) for ins in instrs):
            scratch_local = n_locals + len(new_locals)
            new_locals.append((1, ValType.I32))
        emit = Emitter(self, counter_local, scratch_local, window)
        if self.policy.per_instruction:
            inserts = plan_per_instruction(instrs, calls_module, emit)
        else:
            planner = Planner(self.policy, calls_module, emit, m.types, unrolled)
            inserts = planner.plan(instrs, body_start)
        body = _splice(body_data, body_start, body_end, inserts, emit)
        decls = [*code.locals, *new_locals]
        return _body(encode_vec([encode_u32(c) + bytes((int(t),)) for c, t in decls]), body)

    def _calls_module(self, ins: Instr) -> bool:
        """A call that may run module code (which charges and checks fuel itself); calls to
        host imports do not."""
        if ins.opcode == Op.CALL_INDIRECT:
            return True
        return ins.opcode == Op.CALL and isinstance(ins.imm, int) and ins.imm >= self.m.num_imported_functions


# --- Code --------------------------------------------------------------------------------------


class Emitter:
    """The code fragments of one function: charge, check, write-back, operand-sized charge.

    The counter is the i64 global, an i64 local copy of it (in functions whose loops call
    no module code), or an i32 local window on it (`FUEL_WINDOW`, where those loops do i64
    arithmetic)."""

    __slots__ = (
        "_read",
        "_tee",
        "_write",
        "after_call",
        "before_call",
        "counter_local",
        "load",
        "rw",
        "scratch_local",
        "store",
        "window",
    )

    def __init__(self, rw: _Rewriter, counter_local: int, scratch_local: int, window: bool = False) -> None:
        self.rw = rw
        self.counter_local = counter_local
        self.scratch_local = scratch_local
        self.window = window
        if counter_local >= 0:
            loc = encode_u32(counter_local)
            self._read = b"\x20" + loc
            self._write = b"\x21" + loc
            # local.tee keeps the new value on the stack for the comparison.
            self._tee = b"\x22" + loc
            if window:
                w = encode_s64(FUEL_WINDOW)
                # If 0 <= fuel <= FUEL_WINDOW, move it all into the window (else the first
                # check refills it); at exits and before calls, move it back.
                self.load = (
                    rw.g_get + b"\x42" + w + b"\x58"  # global.get; i64.const W; i64.le_u
                    + b"\x04\x40" + rw.g_get + b"\xa7" + self._write + b"\x42\x00" + rw.g_set + b"\x0b"
                )
                # global += i64(local); local = 0 (a br_if may not leave after all).
                self.store = rw.g_get + self._read + b"\xac\x7c" + rw.g_set + b"\x41\x00" + self._write
                self.before_call = self.store
                self.after_call = b""
            else:
                self.load = self.after_call = rw.g_get + self._write  # global.get; local.set
                self.store = self.before_call = self._read + rw.g_set  # local.get; global.set
        else:
            self.load = self.store = self.before_call = self.after_call = b""
            self._read = rw.g_get
            self._write = rw.g_set
            self._tee = rw.g_set + rw.g_get

    def segment(self, seg: Segment) -> bytes:
        """counter -= cost (i64.sub or i32.sub of a constant), then the check if the segment
        has one."""
        if seg.cost == 0:
            return self._read + self._check(seg.slack) if seg.check else b""
        if self.window:
            charge = self._read + b"\x41" + encode_s64(seg.cost) + b"\x6b"
        else:
            charge = self._read + b"\x42" + encode_s64(seg.cost) + b"\x7d"
        return charge + (self._tee + self._check(seg.slack) if seg.check else self._write)

    def back_edge(self, edge: BackEdge) -> bytes:
        """In place of the ``br`` back to a loop: charge the loop's header, then branch back
        if the counter is at least -slack (``br_if``), else refill the window and branch
        back, or run out of fuel. wasm3 fuses the comparison's result into its branch."""
        seg, depth = edge.header, encode_u32(edge.depth)
        if self.window:
            charge = self._read + (b"\x41" + encode_s64(seg.cost) + b"\x6b" + self._tee if seg.cost else b"")
            return (
                charge + b"\x41" + encode_s64(-seg.slack) + b"\x4e\x0d" + depth  # i32.ge_s; br_if
                + self._read + b"\x41" + encode_s64(seg.slack)
                + b"\x10" + encode_u32(self.rw.f_refill) + self._write + b"\x0c" + depth  # ...; br
            )
        charge = self._read + (b"\x42" + encode_s64(seg.cost) + b"\x7d" + self._tee if seg.cost else b"")
        return (
            charge + b"\x42" + encode_s64(-seg.slack) + b"\x59\x0d" + depth  # i64.ge_s; br_if
            + b"\x10" + encode_u32(self.rw.f_oof) + b"\x00"  # call out of fuel; unreachable
        )

    def _check(self, slack: int) -> bytes:
        """With the counter on the stack: out of fuel if it is below -slack (a window is
        refilled first). const; lt_s; if ... end: with the charge, four wasm3 operations
        when the check passes."""
        if self.window:
            return (
                b"\x41" + encode_s64(-slack) + b"\x48\x04\x40"
                + self._read + b"\x41" + encode_s64(slack)
                + b"\x10" + encode_u32(self.rw.f_refill) + self._write
                + b"\x0b"
            )
        return b"\x42" + encode_s64(-slack) + b"\x53\x04\x40\x10" + encode_u32(self.rw.f_oof) + b"\x0b"

    def host_call(self, ins: Instr) -> tuple[int, bool]:
        """For a call that runs no module code: the fuel it costs besides a call's weight (a
        host import's `HOST_CALL_FUEL`), and whether its last argument is a byte count to
        charge (`sized_bytes`)."""
        m = self.rw.m
        if ins.opcode != Op.CALL or not isinstance(ins.imm, int) or ins.imm >= m.num_imported_functions:
            return 0, False
        return HOST_CALL_FUEL, ins.imm in self.rw.host_bytes

    def sized(self, op: int) -> bytes:
        """Charge for the i32 size operand on top of the stack, check, and put it back."""
        return self._sized(*SIZED[op])

    def sized_bytes(self) -> bytes:
        """The same for a host import's byte count: one fuel per byte (`HOST_BYTES_IMPORTS`)."""
        return self._sized(0, -1)

    def _sized(self, shift: int, sign: int) -> bytes:
        tmp = encode_u32(self.scratch_local)
        scale = b""
        if shift:
            scale = b"\x42" + encode_s64(shift) + (b"\x86" if sign > 0 else b"\x88")  # i64.shl / shr_u
        amount = b"\x20" + tmp + b"\xad" + scale  # local.get tmp; i64.extend_i32_u; scaled
        if self.window:  # the amount may not fit the window: the helper charges it
            charge = self._read + amount + b"\x10" + encode_u32(self.rw.f_charge) + self._write
        else:
            charge = self._read + amount + b"\x7d" + self._tee + self._check(0)  # i64.sub
        return b"\x21" + tmp + charge + b"\x20" + tmp  # local.set tmp ... local.get tmp


def _splice(data: bytes, start: int, end: int, inserts: list[Insert], emit: Emitter) -> bytes:
    """The body's bytes with the inserts placed; inserts at one offset keep their order."""
    inserts.sort(key=lambda item: item[0])
    out: list[bytes] = []
    pos = start
    for at, what in inserts:
        if at > pos:
            out.append(data[pos:at])
            pos = at
        if isinstance(what, Segment):
            out.append(emit.segment(what))
        elif isinstance(what, ElseArm):
            code = emit.segment(what.seg)
            if code:
                out.append(b"\x05" + code)  # else <charge>: the false edge's own segment
        elif isinstance(what, BackEdge):
            out.append(emit.back_edge(what))
            pos = what.end  # the original br is replaced
        elif isinstance(what, ExitEdge):
            if what.refund.cost:
                # if <refund> br (depth + 1) end: the same branch, one label further out.
                branch = b"\x0c" + encode_u32(what.depth + 1)
                out.append(b"\x04\x40" + emit.segment(what.refund) + branch + b"\x0b")
                pos = what.end  # the original br_if is replaced
        else:
            out.append(what)
    out.append(data[pos:end])
    return b"".join(out)


def _body(locals_bytes: bytes, code: bytes) -> bytes:
    return encode_u32(len(locals_bytes) + len(code)) + locals_bytes + code


def _vec_items(data: bytes, sec: binary.Section | None) -> bytes:
    """The items of a vector section's content, without its count."""
    if sec is None:
        return b""
    pos = sec.content_start
    while data[pos] & 0x80:
        pos += 1
    return data[pos + 1 : sec.end]
