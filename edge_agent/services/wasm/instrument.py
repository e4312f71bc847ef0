"""Meter a module with fuel: rewrite its bytes at deploy time so that it counts its own work.

wasm3 can neither be interrupted nor meter a module it did not see instrumented
(docs/design.md §4), so a module carries its own counter: one added mutable i64 global,
read and written by two added exports, ``__ea_fuel_set (i64)`` and ``__ea_fuel_get () -> i64``.
The host sets the budget before each call and reads what is left after it.

Accounting, exact and deterministic: every instruction has a weight (`weight`). Each
function body is cut into straight-line *segments* — at entry, after ``loop``, at each arm
of an ``if``, after ``br_if``, after the ``end`` of a block that is branched to or left
early — and a segment's total weight is subtracted once per run of the segment, near its
start. A call that returns has consumed exactly the sum of the weights of the
instructions it executed (tests check every plan against a per-instruction reference);
one that traps other than for fuel may be off by the rest of a segment (by up to
`FUEL_WINDOW` in a function that keeps a window: the host reads the counter after such a
trap only to see that it is not `FUEL_EXHAUSTED`). Operations whose work grows with an
operand are charged for it just before they run: `GROW_FUEL_PER_PAGE`,
`BULK_BYTES_PER_FUEL`, `TABLE_FUEL_PER_ELEMENT`.

Checks: only back edges and calls make execution unbounded, so the counter is compared
only at loop headers, before calls into module code (once per segment) and after
operand-sized charges; elsewhere it is only decremented. A check allows for what its
segment charged ahead of time and may still refund (its *slack*, see below): it fails
when what the call has really run, through the end of the segment, is over the budget.
So a budget of exactly what a call needs is enough, and a failed check is a real overrun.
Then the module sets the counter to `FUEL_EXHAUSTED` and executes ``unreachable``, so
after a trap the host tells "out of fuel" from every other trap by reading exactly that
value. Between two checks a call runs at most straight-line code, or two iterations of
an unrolled loop (times the stack depth while it returns): a call that returns with a
negative counter did finish, over its budget by that much, and the host decides whether
that counts as a failure.

Speed: wasm3 runs every operation through an indirect jump, and a check is four of them
(subtract, store, compare, branch). Measured with pywasm3 on x86-64 against the
uninstrumented module, over many heap layouts (a single run can be off by 20%: the same
code runs in fast and slow modes): 1.0-1.3x on hashing, bit mixing, sorting and
recursion; 1.3-1.45x on loops of a dozen operations; a counting loop of four operations
1.45x (1.9x with one check per iteration), wasm_bench's sieve 1.45-1.5x (1.7x) and its
count-down loop over an i64 1.1-1.35x (1.8-2.1x). Where the charges go matters more than
anything else:
- what follows a block, loop or if that cannot be left early is charged with the segment
  that opened it, and what follows an if reached from one arm only continues that arm;
- the cheaper arm of an ``if`` is charged before it, so that arm pays nothing;
- a segment that runs an ``if`` and has no check is charged in the arms instead (an
  ``else`` is added if needed), so each path pays one charge;
- the segment after an exit ``br_if`` is charged ahead with the one before it and
  refunded on the exit edge, so a loop testing at its top pays one charge per iteration;
  the refund goes where the exit lands when every branch to that label carries it (the
  ``br_if`` stays as it was: ``if <refund> br end`` is one wasm3 operation too, but a
  slower one when not taken);
- innermost loops of up to `Policy.unroll_max_weight` are unrolled twice (`_unroll`): the
  second copy of the body is charged with the first at the header and refunded where
  execution leaves the first copy, so two iterations pay one charge and one check. Not
  heavier loops: there the check matters less, and longer runs of repeated operations
  were measured slower, in some heap layouts twice as slow;
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

from collections.abc import Callable
from dataclasses import dataclass, field

from edge_agent import const
from edge_agent.services.wasm import binary
from edge_agent.services.wasm.binary import (
    SECTION_RANK,
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

BULK_BYTES_PER_FUEL = 16
"""memory.copy, memory.fill and memory.init cost one fuel per this many bytes (rounded
down), on top of their weight. wasm3 hands them to memmove/memset, which move about this
much in the time wasm3 dispatches one instruction."""

GROW_FUEL_PER_PAGE = 65_536 // BULK_BYTES_PER_FUEL
"""memory.grow costs this much per requested 64 KiB page, on top of its weight: wasm3 zeroes
new pages, so growing a page costs what filling it does. Charged even if the grow fails."""

TABLE_FUEL_PER_ELEMENT = 1
"""table.grow, table.fill, table.copy and table.init cost this much per element."""

_FREE = frozenset((Op.BLOCK, Op.LOOP, Op.ELSE, Op.END, Op.NOP))
_CALL_WEIGHT = 2


def weight(opcode: int) -> int:
    """Fuel charged for executing one instruction, before operand-sized extras.

    Structural markers that wasm3 compiles to nothing cost 0, calls 2 (a frame is pushed
    and popped), everything else 1: one fuel is about one wasm3 operation.
    """
    if opcode in _FREE:
        return 0
    if opcode == Op.CALL or opcode == Op.CALL_INDIRECT:
        return _CALL_WEIGHT
    return 1


# Operand-sized charges: opcode -> (shift, sign): fuel = n >> shift (sign -1) or n << shift
# (sign +1), where n is the i32 on top of the stack (the size or count operand).
_SHIFT_PAGE = GROW_FUEL_PER_PAGE.bit_length() - 1
_SHIFT_BYTE = BULK_BYTES_PER_FUEL.bit_length() - 1
assert 1 << _SHIFT_PAGE == GROW_FUEL_PER_PAGE and 1 << _SHIFT_BYTE == BULK_BYTES_PER_FUEL
assert TABLE_FUEL_PER_ELEMENT == 1
_SIZED: dict[int, tuple[int, int]] = {
    Op.MEMORY_GROW: (_SHIFT_PAGE, +1),
    Op.MEMORY_COPY: (_SHIFT_BYTE, -1),
    Op.MEMORY_FILL: (_SHIFT_BYTE, -1),
    Op.MEMORY_INIT: (_SHIFT_BYTE, -1),
    Op.TABLE_GROW: (0, -1),
    Op.TABLE_FILL: (0, -1),
    Op.TABLE_COPY: (0, -1),
    Op.TABLE_INIT: (0, -1),
}

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
    per_instruction: bool = False
    """Reference plan: charge every instruction on its own, with the global."""


def instrument(data: bytes, *, initial_fuel: int = INITIAL_FUEL, policy: Policy = Policy()) -> bytes:
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
        unrolled: _Unrolled | None = None
        if self.policy.unroll_max_weight > 0 and not self.policy.per_instruction:
            unrolled = _unroll(instrs, data, m.types, calls_module, self.policy.unroll_max_weight)
            if unrolled is not None:
                body_data, instrs = unrolled.data, unrolled.instrs
                body_start, body_end = 0, len(body_data)
        use_local = (
            self.policy.local_counter
            and not self.policy.per_instruction
            and _has_loop_without_calls(instrs, calls_module)
        )
        new_locals: list[tuple[int, ValType]] = []
        counter_local = scratch_local = -1
        window = False
        if use_local:
            counter_local = n_locals
            window = self.policy.window_counter and (
                self.policy.window_always or _window_pays(instrs)
            )
            new_locals.append((1, ValType.I32 if window else ValType.I64))
        if any(ins.opcode in _SIZED for ins in instrs):
            scratch_local = n_locals + len(new_locals)
            new_locals.append((1, ValType.I32))
        emit = _Emitter(self, counter_local, scratch_local, window)
        if self.policy.per_instruction:
            inserts = _plan_per_instruction(instrs, calls_module, emit)
        else:
            planner = _Planner(self.policy, calls_module, emit, m.types, unrolled)
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


def _has_loop_without_calls(instrs: list[Instr], calls_module: Callable[[Instr], bool]) -> bool:
    """True if the body has a loop and no loop calls module code: then a local counter pays
    off (writing it back and reloading it around calls in a loop costs more than it saves)."""
    opened: list[int] = []
    in_loops = 0
    seen = False
    for ins in instrs:
        op = ins.opcode
        if op in (Op.BLOCK, Op.LOOP, Op.IF):
            opened.append(op)
            if op == Op.LOOP:
                in_loops += 1
                seen = True
        elif op == Op.END:
            if opened and opened.pop() == Op.LOOP:
                in_loops -= 1
        elif in_loops and calls_module(ins):
            return False
    return seen


# --- Planning one body ------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Segment:
    """A straight-line run of instructions charged as one, where it starts."""

    cost: int = 0
    check: bool = False
    """Compare the counter with ``-slack`` after the charge."""
    slack: int = 0
    """How much of `cost` is charged ahead and refunded if execution leaves early (through
    an exit ``br_if`` or out of the first copy of an unrolled loop): the check allows the
    counter that far below zero, so a call traps only when what it has really run through
    the end of this segment is over its budget."""
    closed_by: _Frame | None = None
    """The first ``if`` run by this segment: its charge may sink into that if's arms."""


@dataclass(slots=True, eq=False)
class _ElseArm:
    """An ``else`` added to an ``if`` that has none, to carry a charge on the false edge."""

    seg: _Segment


@dataclass(slots=True, eq=False)
class _ExitEdge:
    """A ``br_if`` out of a block whose fall-through segment `after` is charged ahead, with
    `before`: rendered as ``if <refund> br (depth+1) end`` so that the branch, taken once
    per exit instead of failing once per iteration, gives the charge back."""

    depth: int
    start: int
    end: int
    before: _Segment
    after: _Segment
    refund: _Segment
    ahead: bool = True
    """The `after` segment may be charged ahead (else only an unrolled copy's refund)."""


@dataclass(slots=True, eq=False)
class _Unroll:
    """The charges of one unrolled loop: its header, where the second copy of its body
    starts, and where execution leaves the first copy (refunded if the second is charged
    at the header)."""

    header: _Segment
    join: _Segment | None = None
    refunds: list[_Segment] = field(default_factory=list)
    """Added before each ``br`` or ``return`` out of the first copy."""
    edges: list[_ExitEdge] = field(default_factory=list)
    """The ``br_if`` edges out of the first copy."""


@dataclass(slots=True, eq=False)
class _Frame:
    """An open block, loop or if during the walk."""

    op: int
    live: bool
    """False if the block opens in unreachable code."""
    arity: int = 0
    """Values a branch to the label carries (0 for an empty block type)."""
    parent: _Segment | None = None
    """The segment that was running when the block opened."""
    then_seg: _Segment | None = None
    """The first segment of the then arm."""
    then_end: _Segment | None = None
    """The segment running at the end of the then arm (None if it cannot fall through)."""
    else_seg: _Segment | None = None
    """The first segment of the else arm, or of the else added to carry a sunk charge."""
    targeted: bool = False
    """Some branch goes to this block's label."""
    escaped: bool = False
    """Some branch or return inside leaves the block other than through its end."""
    unroll: _Unroll | None = None
    """Set on the block around the first copy of an unrolled loop's body."""
    arrivals: list[_ExitEdge | _Segment | None] = field(default_factory=list)
    """Each live branch to this block's label: its exit edge, the refund before it, or
    None if it carries no refund."""
    falls_through: bool = False
    """The end of the body is reachable (control can arrive here without a branch)."""
    landing: _Segment | None = None
    """The segment that runs after the block's end."""
    end_at: int = 0
    """Where the code after the block's end starts."""


_Insert = tuple[int, "bytes | _Segment | _ElseArm | _ExitEdge"]
"""What to place at a byte offset of a body: code, a segment's charge, an added else, or
a br_if to rewrite."""


class _Planner:
    """Walks one body: cuts it into segments, totals their weights, lists the inserts.

    Costs keep changing during the walk (hoisting, merging, sinking) and are rendered
    only afterwards, so inserts hold segments, not bytes.
    """

    def __init__(
        self,
        policy: Policy,
        calls_module: Callable[[Instr], bool],
        emit: _Emitter,
        types: tuple[FuncType, ...],
        unrolled: _Unrolled | None = None,
    ) -> None:
        self.policy = policy
        self.calls_module = calls_module
        self.emit = emit
        self.inserts: list[_Insert] = []
        self.ifs: list[_Frame] = []
        self.sinks: list[_Segment] = []
        self.exits: list[_ExitEdge] = []
        self.types = types
        self.synthetic: frozenset[int] = unrolled.synthetic if unrolled is not None else frozenset()
        self.first_copies: frozenset[int] = unrolled.first_copies if unrolled is not None else frozenset()
        self.unrolls: list[_Unroll] = []
        self.blocks: list[_Frame] = []
        self.landing_refunds: list[_Insert] = []
        self.use_local = emit.counter_local >= 0
        self.cur: _Segment | None = None
        """The segment running at this point of the walk (None in unreachable code)."""
        self.ctrl: list[_Frame] = []
        """The open blocks, the function's own at the bottom."""

    def new_segment(self, at: int, *, check: bool = False) -> _Segment:
        seg = _Segment(check=check)
        self.inserts.append((at, seg))
        return seg

    def plan(self, instrs: list[Instr], body_start: int) -> list[_Insert]:
        """The inserts for one body: walk it, then move charges between its segments."""
        self.walk(instrs, body_start)
        if self.policy.hoist_if_arms:
            self.hoist()
        self.charge_ahead()
        self.merge_unrolled()
        if self.policy.refund_on_landing:
            for frame in self.blocks:
                self.refund_on_landing(frame)
        if self.policy.sink_into_if_arms:
            self.sink()
        return self.landing_refunds + self.inserts  # _splice keeps the order at one offset

    def walk(self, instrs: list[Instr], body_start: int) -> None:
        """Cut the body into segments and total their weights. Most instructions only add
        their weight to the running segment; the others have a method in `_PLAN_STEPS`."""
        if self.use_local:
            self.inserts.append((body_start, self.emit.load))
        self.cur = self.new_segment(body_start)
        self.ctrl = [_Frame(Op.BLOCK, True)]  # the function's own block
        steps = _PLAN_STEPS
        synthetic = self.synthetic
        for ins in instrs:
            step = steps.get(ins.opcode)
            if step is not None:
                step(self, ins)
            elif self.cur is not None and ins.offset not in synthetic:
                self.cur.cost += weight(ins.opcode)

    def reached(self, ins: Instr) -> _Segment | None:
        """The running segment, charged with `ins`; None in unreachable code."""
        cur = self.cur
        if cur is not None and ins.offset not in self.synthetic:
            cur.cost += weight(ins.opcode)
        return cur

    # One method per instruction that does more than add its weight (`_PLAN_STEPS`).

    def end(self, ins: Instr) -> None:
        frame = self.ctrl.pop()
        cur = self.cur
        if not self.ctrl:  # the function's end (always its last instruction)
            if self.use_local and cur is not None:
                self.inserts.append((ins.offset, self.emit.store))
            return
        if frame.live:
            frame.falls_through = cur is not None
            cur = self.cur = self.after_end(frame, ins, cur)
            frame.landing, frame.end_at = cur, ins.end
            if frame.unroll is not None:
                frame.unroll.join = cur

    def else_(self, ins: Instr) -> None:
        frame = self.ctrl[-1]
        if frame.live:
            frame.then_end = self.cur
            frame.else_seg = self.cur = self.new_segment(ins.end)

    def block(self, ins: Instr) -> None:
        cur = self.reached(ins)
        if cur is None:  # unreachable code: nothing runs, only track nesting
            self.ctrl.append(_Frame(ins.opcode, False))
            return
        frame = _Frame(ins.opcode, True, parent=cur, arity=self.arity(ins))
        self.blocks.append(frame)
        if ins.offset in self.first_copies:
            # The first copy of an unrolled loop's body: it opens the loop's header.
            assert cur.check and self.ctrl[-1].op == Op.LOOP
            frame.unroll = _Unroll(cur)
            self.unrolls.append(frame.unroll)
        self.ctrl.append(frame)

    def loop(self, ins: Instr) -> None:
        cur = self.reached(ins)
        if cur is None:
            self.ctrl.append(_Frame(ins.opcode, False))
            return
        # Every iteration passes the header: charge and check there.
        self.ctrl.append(_Frame(ins.opcode, True, parent=cur))
        self.cur = self.new_segment(ins.end, check=True)

    def if_(self, ins: Instr) -> None:
        cur = self.reached(ins)
        if cur is None:
            self.ctrl.append(_Frame(ins.opcode, False))
            return
        frame = _Frame(ins.opcode, True, parent=cur, arity=self.arity(ins))
        self.ctrl.append(frame)
        self.ifs.append(frame)
        if cur.closed_by is None:
            cur.closed_by = frame
            self.sinks.append(cur)
        frame.then_seg = self.cur = self.new_segment(ins.end)

    def branch(self, ins: Instr) -> None:
        """br, br_if and br_table: mark the blocks they leave and the label they target."""
        cur = self.reached(ins)
        if cur is None:
            return
        op, ctrl = ins.opcode, self.ctrl
        depths = _depths(ins.imm)
        outermost = len(ctrl) - 1
        for depth in depths:
            target = outermost - depth
            ctrl[target].targeted = True
            for inner in ctrl[target + 1 :]:
                inner.escaped = True
        unroll = self.leaves_first_copy(ctrl, max(depths))
        refund: _Segment | None = None
        if unroll is not None and op == Op.BR:
            refund = self.new_segment(ins.offset)  # before the write-back
            unroll.refunds.append(refund)
        if self.use_local and outermost in depths:  # may leave the function
            self.inserts.append((ins.offset, self.emit.store))
        if op == Op.BR_IF:
            self.exit_edge(ins, depths[0], cur, unroll)
            return
        if op == Op.BR:
            ctrl[outermost - depths[0]].arrivals.append(refund)
        else:
            for depth in depths:
                ctrl[outermost - depth].arrivals.append(None)
        # _unroll never leaves a first copy through a br_table.
        assert unroll is None or op == Op.BR
        self.cur = None

    def exit_edge(self, ins: Instr, depth: int, before: _Segment, unroll: _Unroll | None) -> None:
        """A br_if: a new segment after it, and an exit edge if that one may be charged
        ahead (with `before`) or the br_if leaves an unrolled loop's first copy."""
        self.cur = after = self.new_segment(ins.end)
        outermost = len(self.ctrl) - 1
        target = self.ctrl[outermost - depth]
        ahead = (
            self.policy.charge_ahead
            and target.op != Op.LOOP
            and target.unroll is None  # a branch to the second copy goes back
            and target.arity == 0
            and depth != outermost
        )
        edge = None
        if ahead or unroll is not None:
            edge = _ExitEdge(depth, ins.offset, ins.end, before, after, _Segment(), ahead)
            self.exits.append(edge)
            self.inserts.append((ins.offset, edge))
            if unroll is not None:
                unroll.edges.append(edge)
        target.arrivals.append(edge)

    def return_(self, ins: Instr) -> None:
        if self.reached(ins) is None:
            return
        ctrl = self.ctrl
        for inner in ctrl[1:]:
            inner.escaped = True
        unroll = self.leaves_first_copy(ctrl, len(ctrl) - 1)
        if unroll is not None:
            unroll.refunds.append(self.new_segment(ins.offset))
        if self.use_local:
            self.inserts.append((ins.offset, self.emit.store))
        self.cur = None

    def unreachable(self, ins: Instr) -> None:
        self.reached(ins)
        self.cur = None

    def call(self, ins: Instr) -> None:
        cur = self.reached(ins)
        if cur is None or not self.calls_module(ins):
            return
        # A check before each call bounds recursion as loop headers bound loops.
        cur.check = True
        if self.use_local:
            self.inserts.append((ins.offset, self.emit.before_call))
            self.inserts.append((ins.end, self.emit.after_call))

    def sized(self, ins: Instr) -> None:
        if self.reached(ins) is not None:
            self.inserts.append((ins.offset, self.emit.sized(ins.opcode)))

    def refund_on_landing(self, frame: _Frame) -> None:
        """Where a block's end is reached only by branches that all carry a refund, make
        the most common refund once after the end instead of on each edge: those exit
        ``br_if`` stay plain ``br_if`` (an ``if`` that is not taken costs more in wasm3)."""
        if frame.falls_through or not frame.arrivals or frame.landing is None:
            return
        amounts: list[int] = []
        for arrival in frame.arrivals:
            if arrival is None:
                return
            amounts.append(arrival.refund.cost if isinstance(arrival, _ExitEdge) else arrival.cost)
        common = max(amounts, key=amounts.count)
        if common == 0:
            return
        for arrival in frame.arrivals:
            assert arrival is not None
            (arrival.refund if isinstance(arrival, _ExitEdge) else arrival).cost -= common
        if frame.landing is frame.parent:
            # Charged before the block opened: the refund needs code of its own, first of
            # what is placed there (before a write-back of the counter, say).
            self.landing_refunds.append((frame.end_at, _Segment(common)))
        else:
            frame.landing.cost += common  # a segment that starts there anyway

    @staticmethod
    def leaves_first_copy(ctrl: list[_Frame], depth: int) -> _Unroll | None:
        """The unrolled loop whose first copy a branch `depth` labels out leaves, if any."""
        for frame in ctrl[len(ctrl) - depth :]:
            if frame.unroll is not None:
                return frame.unroll
        return None

    def merge_unrolled(self) -> None:
        """Charge the second copy of each unrolled loop's body with the first, at the loop's
        header, and refund it wherever execution leaves the first copy other than into the
        second: each run of the header is followed by exactly one of the two (or a trap).
        So two iterations pay one charge and one check."""
        for unroll in self.unrolls:
            join = unroll.join
            if join is None or join is unroll.header or (join.cost == 0 and not join.check):
                continue
            header = unroll.header
            header.cost += join.cost
            header.slack += join.cost
            header.check = header.check or join.check
            for seg in unroll.refunds:
                seg.cost -= join.cost
            for edge in unroll.edges:
                edge.refund.cost -= join.cost
            join.cost = 0
            join.check = False

    def arity(self, ins: Instr) -> int:
        """How many values a branch to this block's label carries (its results)."""
        bt = ins.imm
        if bt is None:
            return 0
        if isinstance(bt, int) and not isinstance(bt, ValType):
            return len(self.types[bt].results)
        return 1

    def charge_ahead(self) -> None:
        """Charge the segment after each exit ``br_if`` together with the one before it, and
        refund it on the exit edge. In loops that test at the top this leaves one charge
        per iteration. Last exits first, so a chain of exits moves into the first segment.
        A check in the moved segment moves too: it still comes before that segment's calls."""
        for edge in reversed(self.exits):
            after = edge.after
            if not edge.ahead or (after.cost == 0 and not after.check):
                continue
            edge.before.cost += after.cost
            edge.before.slack += after.cost
            edge.before.check = edge.before.check or after.check
            edge.refund.cost = -after.cost
            after.cost = 0
            after.check = False

    def after_end(self, frame: _Frame, ins: Instr, cur: _Segment | None) -> _Segment | None:
        """The segment that goes on after the ``end`` of a live block, loop or if; `cur` is
        the one running at the end of its body (None if that cannot fall through)."""
        if frame.op == Op.IF and frame.else_seg is None:
            frame.then_end = cur
            if self.policy.hoist_if_arms or self.policy.sink_into_if_arms:
                # Give the false edge a segment of its own (rendered as an added else only
                # if it ends up charging something).
                frame.else_seg = cur = _Segment()
                self.inserts.append((ins.offset, _ElseArm(frame.else_seg)))
        if not frame.escaped:
            # The block is left only through this end, so each run of the segment that
            # opened it gets here exactly once (or traps): charge what follows with it.
            assert frame.parent is not None
            return frame.parent
        if frame.op == Op.LOOP:
            return cur  # a branch to a loop goes to its start: only the fall-through is here
        # Where control can come from: the end of each arm, and branches to the label.
        if frame.op == Op.IF:
            ends = [frame.then_end, cur if frame.else_seg is not None else None]
            if frame.else_seg is None:  # no segment for the false edge: it always arrives
                return self.new_segment(ins.end)
        else:
            ends = [cur]
        arriving = [seg for seg in ends if seg is not None]
        if not frame.targeted and len(arriving) <= 1:
            # One way in (or none: unreachable): the same straight line goes on.
            return arriving[0] if arriving else None
        return self.new_segment(ins.end)

    def hoist(self) -> None:
        """Charge the cheaper arm of each ``if`` in the segment that runs the ``if``: exactly
        one arm runs, so that much is due either way, and one arm's charge disappears.
        Inner ifs first, so an arm's cost includes what its own ifs hoisted into it."""
        for frame in reversed(self.ifs):
            then_seg, else_seg, parent = frame.then_seg, frame.else_seg, frame.parent
            if then_seg is None or else_seg is None or parent is None:
                continue
            common = min(then_seg.cost, else_seg.cost)
            parent.cost += common
            then_seg.cost -= common
            else_seg.cost -= common

    def sink(self) -> None:
        """Move the charge of each segment that runs an ``if`` into both of its arms, so a
        path through it pays one charge instead of two.

        Exact because every instruction charged to a segment runs once per run of the
        segment (that is what makes it a segment: merged continuations included), and each
        run takes exactly one arm. Walk order moves outer charges first, since an arm may
        itself run an ``if`` and pass the charge on. A segment that checks keeps its charge:
        the check must stay before its calls or its loop's iterations.
        """
        for seg in self.sinks:
            frame = seg.closed_by
            assert frame is not None
            if seg.check or seg.cost == 0 or frame.then_seg is None or frame.else_seg is None:
                continue
            frame.then_seg.cost += seg.cost
            frame.else_seg.cost += seg.cost
            seg.cost = 0


def _depths(imm: object) -> tuple[int, ...]:
    """The label depths a br, br_if (one) or br_table (default last) names."""
    if isinstance(imm, tuple):
        return imm
    assert isinstance(imm, int)
    return (imm,)


_PLAN_STEPS: dict[int, Callable[[_Planner, Instr], None]] = {
    Op.END: _Planner.end,
    Op.ELSE: _Planner.else_,
    Op.BLOCK: _Planner.block,
    Op.LOOP: _Planner.loop,
    Op.IF: _Planner.if_,
    Op.BR: _Planner.branch,
    Op.BR_IF: _Planner.branch,
    Op.BR_TABLE: _Planner.branch,
    Op.RETURN: _Planner.return_,
    Op.UNREACHABLE: _Planner.unreachable,
    Op.CALL: _Planner.call,
    Op.CALL_INDIRECT: _Planner.call,
    **{op: _Planner.sized for op in _SIZED},
}
"""The instructions `_Planner.walk` does more with than charge their weight."""


def _plan_per_instruction(
    instrs: list[Instr], calls_module: Callable[[Instr], bool], emit: _Emitter
) -> list[_Insert]:
    """The reference plan: each instruction is charged its weight just before it runs,
    checks at loop headers and before calls. Slow, and obviously exact."""
    inserts: list[_Insert] = []
    for ins in instrs:
        op = ins.opcode
        w = weight(op)
        if w or calls_module(ins):
            inserts.append((ins.offset, _Segment(w, check=calls_module(ins))))
        if op in _SIZED:
            inserts.append((ins.offset, emit.sized(op)))
        if op == Op.LOOP:
            inserts.append((ins.end, _Segment(0, check=True)))
    return inserts


# --- Unrolling ---------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Unrolled:
    """A body with some loops unrolled, as the planner sees it."""

    data: bytes
    """The instructions (the body without its local declarations)."""
    instrs: list[Instr]
    """Their decoding, offsets into `data`."""
    synthetic: frozenset[int]
    """Offsets of the added ``br`` out of each first copy: they cost nothing."""
    first_copies: frozenset[int]
    """Offsets of the added ``block`` around each first copy."""


def _unroll(
    instrs: list[Instr],
    data: bytes,
    types: tuple[FuncType, ...],
    calls_module: Callable[[Instr], bool],
    max_weight: int,
) -> _Unrolled | None:
    """Unroll the small innermost loops of a body twice, or None if none qualifies.

    ``loop $l (bt) BODY end`` becomes

        block $out (bt)
          loop $l (bt)
            block $next  BODY[br $l -> br $next]  br $out  end
            BODY
          end
        end

    so the first copy goes on into the second where the body branched back, and leaves the
    loop (with its results) where it fell through; depths of branches out of the loop grow
    by the added labels. The copies are the original instructions: a run costs what it did.
    Qualifies: no loop inside, a branch back, no call into module code, no parameters, a
    weight of at most `max_weight`, and no way out that a refund cannot follow (a
    ``br_table`` out of the loop, a ``br_if`` out carrying values or leaving the function).
    """
    chosen = _LoopScan(types, calls_module, max_weight).scan(instrs)
    if not chosen:
        return None
    return _UnrollWriter(instrs, data).write(chosen)


class _LoopScan:
    """One walk over a body that finds the loops `_unroll` may unroll.

    It keeps the open blocks and, while the innermost open loop still qualifies, that
    loop's state: [weight so far, has a branch back, qualifies]."""

    def __init__(
        self, types: tuple[FuncType, ...], calls_module: Callable[[Instr], bool], max_weight: int
    ) -> None:
        self.types = types
        self.calls_module = calls_module
        self.max_weight = max_weight
        self.chosen: dict[int, int] = {}  # index of the loop -> index of its end
        # Open blocks: (opcode, block type, index of the instruction, the loop's state or None).
        self.stack: list[tuple[int, object, int, list[int] | None]] = [(Op.BLOCK, None, -1, None)]
        self.inner_at = -1  # the innermost open loop's index in `stack`

    def scan(self, instrs: list[Instr]) -> dict[int, int]:
        """The loops to unroll: index of each loop -> index of its end."""
        max_weight = self.max_weight
        inner: list[int] | None = None  # the innermost open loop's state, while it qualifies
        for index, ins in enumerate(instrs):
            if ins.opcode in _UNROLL_SEES:
                inner = self.see(index, ins, inner)
            elif inner is not None:  # weighs 1 and changes nothing else: most instructions
                inner[0] += 1
                if inner[0] > max_weight:
                    inner[2] = 0
                    inner = None
        return self.chosen

    def see(self, index: int, ins: Instr, inner: list[int] | None) -> list[int] | None:
        """Take in a structural instruction, a branch or a call; the innermost loop's state
        after it (None once that loop no longer qualifies)."""
        op = ins.opcode
        if op == Op.END:
            _, bt, start, state = self.stack.pop()
            if state is None:
                return inner
            if state[2] and state[1] and not _block_params(bt, self.types):
                self.chosen[start] = index
            return None
        if op == Op.LOOP:
            for _, _, _, state in self.stack:
                if state is not None:
                    state[2] = 0  # not innermost
            inner, self.inner_at = [0, 0, 1], len(self.stack)
            self.stack.append((op, ins.imm, index, inner))
            return inner
        if op == Op.BLOCK or op == Op.IF:
            self.stack.append((op, ins.imm, index, None))
        if inner is None:
            return None
        inner[0] += weight(op)
        if op in (Op.BR, Op.BR_IF, Op.BR_TABLE, Op.RETURN):
            self.branch(ins, inner)
        elif (op == Op.CALL or op == Op.CALL_INDIRECT) and self.calls_module(ins):
            inner[2] = 0
        if inner[0] > self.max_weight or not inner[2]:
            inner[2] = 0
            return None
        return inner

    def branch(self, ins: Instr, inner: list[int]) -> None:
        """A branch inside the innermost loop: back to it, or out where a refund can follow."""
        op, stack = ins.opcode, self.stack
        depths = (len(stack) - 1,) if op == Op.RETURN else _depths(ins.imm)
        for depth in depths:
            target = len(stack) - 1 - depth
            if target == self.inner_at:
                inner[1] = 1
            elif target < self.inner_at and op != Op.BR and op != Op.RETURN:
                t_op, t_bt, _, _ = stack[target]
                types = self.types
                carried = _block_params(t_bt, types) if t_op == Op.LOOP else _block_results(t_bt, types)
                if op == Op.BR_TABLE or target == 0 or carried:
                    inner[2] = 0


class _UnrollWriter:
    """Writes a body anew with the chosen loops unrolled (see `_unroll`)."""

    def __init__(self, instrs: list[Instr], data: bytes) -> None:
        self.instrs = instrs
        self.data = data
        self.out = bytearray()
        self.new: list[Instr] = []
        self.synthetic: list[int] = []
        self.firsts: list[int] = []

    def write(self, chosen: dict[int, int]) -> _Unrolled:
        instrs = self.instrs
        index = 0
        while index < len(instrs):
            end = chosen.get(index)
            if end is None:
                self.copy(instrs[index])
                index += 1
            else:
                self.loop(index, end)
                index = end + 1
        return _Unrolled(bytes(self.out), self.new, frozenset(self.synthetic), frozenset(self.firsts))

    def loop(self, index: int, end: int) -> None:
        """The loop from instruction `index` to its `end`, unrolled."""
        ins = self.instrs[index]
        block_type = self.data[ins.offset + 1 : ins.end]
        body = self.instrs[index + 1 : end]
        self.put(Op.BLOCK, ins.imm, b"\x02" + block_type)  # $out
        self.copy(ins)  # loop $l
        self.firsts.append(self.put(Op.BLOCK, None, b"\x02\x40"))  # $next
        self.copy_body(body, 2)
        self.synthetic.append(self.put(Op.BR, 2, b"\x0c\x02"))  # fell through: leave with the results
        self.put(Op.END, None, b"\x0b")
        self.copy_body(body, 1)
        self.copy(self.instrs[end])  # the loop's end
        self.put(Op.END, None, b"\x0b")

    def put(self, opcode: int, imm: object, code: bytes) -> int:
        at = len(self.out)
        self.out.extend(code)
        self.new.append(Instr(at, opcode, imm, len(self.out)))
        return at

    def copy(self, ins: Instr) -> None:
        self.put(ins.opcode, ins.imm, self.data[ins.offset : ins.end])

    def copy_body(self, body: list[Instr], shift: int) -> None:
        """The loop's body, with branches out of the loop `shift` labels further out."""
        nesting = 0
        for ins in body:
            op = ins.opcode
            if (op == Op.BR or op == Op.BR_IF) and isinstance(ins.imm, int) and ins.imm > nesting:
                depth = ins.imm + shift
                self.put(op, depth, bytes((op,)) + encode_u32(depth))
            elif op == Op.BR_TABLE and isinstance(ins.imm, tuple) and max(ins.imm) > nesting:
                depths = tuple(d + shift if d > nesting else d for d in ins.imm)
                code = b"\x0e" + encode_u32(len(depths) - 1) + b"".join(encode_u32(d) for d in depths)
                self.put(op, depths, code)
            else:
                self.copy(ins)
            if op in (Op.BLOCK, Op.LOOP, Op.IF):
                nesting += 1
            elif op == Op.END:
                nesting -= 1


# The instructions `_unroll` looks at: the others weigh 1 and do nothing it cares about.
_UNROLL_SEES = frozenset(
    (Op.BLOCK, Op.LOOP, Op.IF, Op.ELSE, Op.END, Op.NOP, Op.BR, Op.BR_IF, Op.BR_TABLE, Op.RETURN, Op.CALL,
     Op.CALL_INDIRECT)
)
assert all(weight(op) == 1 for op in range(256) if op not in _UNROLL_SEES)


def _block_params(bt: object, types: tuple[FuncType, ...]) -> int:
    if isinstance(bt, int) and not isinstance(bt, ValType):
        return len(types[bt].params)
    return 0


def _block_results(bt: object, types: tuple[FuncType, ...]) -> int:
    if bt is None:
        return 0
    if isinstance(bt, int) and not isinstance(bt, ValType):
        return len(types[bt].results)
    return 1


# --- Code --------------------------------------------------------------------------------------


class _Emitter:
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

    def segment(self, seg: _Segment) -> bytes:
        """counter -= cost (i64.sub or i32.sub of a constant), then the check if the segment
        has one."""
        if seg.cost == 0:
            return self._read + self._check(seg.slack) if seg.check else b""
        if self.window:
            charge = self._read + b"\x41" + encode_s64(seg.cost) + b"\x6b"
        else:
            charge = self._read + b"\x42" + encode_s64(seg.cost) + b"\x7d"
        return charge + (self._tee + self._check(seg.slack) if seg.check else self._write)

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

    def sized(self, op: int) -> bytes:
        """Charge for the i32 size operand on top of the stack, check, and put it back."""
        shift, sign = _SIZED[op]
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


def _window_pays(instrs: list[Instr]) -> bool:
    """Whether the body's loops run i64 arithmetic or comparisons and no i32 ones: then an
    i64 counter would share wasm3 operations with the loop's own code, and an i32 window
    shares none. (Measured: a count-down loop over an i64 costs 1.85x with an i64 counter,
    1.35x with a window; where loops mix both types, neither wins consistently.) Not if a
    loop may leave the function through a br_if or br_table: the window is handed back to
    the global before the branch, and refilled (a call) each time it is not taken."""
    loops = 0
    opened: list[bool] = []
    i64 = False
    for ins in instrs:
        op = ins.opcode
        if op == Op.BLOCK or op == Op.IF:
            opened.append(False)
        elif op == Op.LOOP:
            opened.append(True)
            loops += 1
        elif op == Op.END:
            if opened and opened.pop():
                loops -= 1
        elif loops:
            if 0x45 <= op <= 0x4F or 0x67 <= op <= 0x78:  # i32.eqz..ge_u, i32.clz..rotr
                return False
            if 0x50 <= op <= 0x5A or 0x79 <= op <= 0x8A:  # i64.eqz..ge_u, i64.clz..rotr
                i64 = True
            elif op == Op.BR_IF and ins.imm == len(opened):
                return False
            elif op == Op.BR_TABLE and isinstance(ins.imm, tuple) and len(opened) in ins.imm:
                return False
    return i64


def _splice(data: bytes, start: int, end: int, inserts: list[_Insert], emit: _Emitter) -> bytes:
    """The body's bytes with the inserts placed; inserts at one offset keep their order."""
    inserts.sort(key=lambda item: item[0])
    out: list[bytes] = []
    pos = start
    for at, what in inserts:
        if at > pos:
            out.append(data[pos:at])
            pos = at
        if isinstance(what, _Segment):
            out.append(emit.segment(what))
        elif isinstance(what, _ElseArm):
            code = emit.segment(what.seg)
            if code:
                out.append(b"\x05" + code)  # else <charge>: the false edge's own segment
        elif isinstance(what, _ExitEdge):
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
