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
one that traps may be off by the rest of a segment. Operations whose work grows with an
operand are charged for it just before they run: `GROW_FUEL_PER_PAGE`,
`BULK_BYTES_PER_FUEL`, `TABLE_FUEL_PER_ELEMENT`.

Checks: only back edges and calls make execution unbounded, so the counter is compared
with zero only at loop headers, before calls into module code (once per segment) and after
operand-sized charges; elsewhere it is only decremented. When a check finds it negative,
the module sets it to `FUEL_EXHAUSTED` and executes ``unreachable``, so after a trap the
host tells "out of fuel" from every other trap by reading exactly that value. Between two
checks a call runs at most straight-line code (times the stack depth while it returns):
a call that returns with a negative counter did finish, over its budget by that much, and
the host decides whether that counts as a failure.

Speed, measured with pywasm3 against the uninstrumented module (details in this module's
commit message): 1.05-1.25x on hashing and bit mixing, about 1.25-1.4x on recursion and
sorting, up to 1.6x on a counting loop of five wasm3 operations (one check per iteration
is four more). Where the charges go matters more than anything else:
- what follows a block, loop or if that cannot be left early is charged with the segment
  that opened it, and what follows an if reached from one arm only continues that arm;
- the cheaper arm of an ``if`` is charged before it, so that arm pays nothing;
- a segment that runs an ``if`` and has no check is charged in the arms instead (an
  ``else`` is added if needed), so each path pays one charge;
- the segment after an exit ``br_if`` is charged ahead with the one before it and
  refunded on the exit edge (``br_if`` becomes ``if <refund> br end``, one wasm3
  operation as before), so a loop testing at its top pays one charge per iteration;
- in functions whose loops call no module code the counter lives in a local (wasm3 keeps
  locals in frame slots, so a check costs about four of its operations instead of six),
  written back to the global at exits and around calls.

Indices: the global goes after all globals, the added functions after all functions, the
added types after all types and the added locals after a function's own, so no existing
index changes and the export, element and name sections stay valid as they are. The start
section is removed and its function exported as ``__ea_start``: pywasm3 0.5 never runs a
start function, so the host calls it after loading, with fuel, like any other call. Custom
sections that point into code by byte offset (``.debug_*``, ``reloc.*``, ``linking``...)
are dropped.

Pure: no I/O, no wasm3. Expects a module that passed `validate.validate`; it parses the
module again and raises `ModuleRejected` on anything it cannot rewrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edge_agent import const
from edge_agent.services.wasm import binary
from edge_agent.services.wasm.binary import (
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
_ORDER = (1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11)


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
        self.f_set, self.f_get, self.f_oof = base, base + 1, base + 2
        self.t_set = self._type_index(FuncType((ValType.I64,), ()))
        self.t_get = self._type_index(FuncType((), (ValType.I64,)))
        self.t_void = self._type_index(FuncType((), ()))
        g = encode_u32(self.fuel_global)
        self.g_get = b"\x23" + g
        self.g_set = b"\x24" + g
        # i64.const 0; i64.lt_s; if; call $out_of_fuel; end
        self.trap_if_negative = b"\x42\x00\x53\x04\x40\x10" + encode_u32(self.f_oof) + b"\x0b"

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
            while missing and (sid is None or _ORDER.index(missing[0]) < _ORDER.index(sid)):
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
        g = encode_u32(self.fuel_global)
        if sid == SectionId.TYPE:
            return encode_vec([binary.encode_func_type(t) for t in (*m.types, *self.new_types)])
        if sid == SectionId.FUNCTION:
            return encode_vec([encode_u32(t) for t in (*m.functions, self.t_set, self.t_get, self.t_void)])
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
            bodies.append(_body(b"\x00", b"\x20\x00\x24" + g + b"\x0b"))  # fuel_set
            bodies.append(_body(b"\x00", b"\x23" + g + b"\x0b"))  # fuel_get
            exhausted = b"\x42" + encode_s64(FUEL_EXHAUSTED) + b"\x24" + g + b"\x00\x0b"
            bodies.append(_body(b"\x00", exhausted))  # out of fuel: mark, then trap
            return encode_vec(bodies)
        raise AssertionError(sid)

    def _rewrite_body(self, index: int) -> bytes:
        m, data = self.m, self.data
        code = m.codes[index]
        instrs = binary.decode_body(m, data, index)
        n_locals = len(m.func_type(m.num_imported_functions + index).params) + code.num_locals
        calls_module = self._calls_module
        use_local = (
            self.policy.local_counter
            and not self.policy.per_instruction
            and _has_loop_without_calls(instrs, calls_module)
        )
        new_locals: list[tuple[int, ValType]] = []
        counter_local = scratch_local = -1
        if use_local:
            counter_local = n_locals
            new_locals.append((1, ValType.I64))
        if any(ins.opcode in _SIZED for ins in instrs):
            scratch_local = n_locals + len(new_locals)
            new_locals.append((1, ValType.I32))
        emit = _Emitter(self, counter_local, scratch_local)
        if self.policy.per_instruction:
            inserts = _plan_per_instruction(instrs, calls_module, emit)
        else:
            inserts = _Planner(self.policy, calls_module, emit, m.types).plan(instrs, code.body_start)
        body = _splice(data, code.body_start, code.end, inserts, emit)
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
    """Compare the counter with zero after the charge."""
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


_Insert = tuple[int, "bytes | _Segment | _ElseArm | _ExitEdge"]
"""What to place at a byte offset of a body: code, a segment's charge, an added else, or
a br_if to rewrite."""


class _Planner:
    """Walks one body: cuts it into segments, totals their weights, lists the inserts.

    Costs keep changing during the walk (hoisting, merging, sinking) and are rendered
    only afterwards, so inserts hold segments, not bytes.
    """

    def __init__(
        self, policy: Policy, calls_module: Callable[[Instr], bool], emit: _Emitter, types: tuple[FuncType, ...]
    ) -> None:
        self.policy = policy
        self.calls_module = calls_module
        self.emit = emit
        self.inserts: list[_Insert] = []
        self.ifs: list[_Frame] = []
        self.sinks: list[_Segment] = []
        self.exits: list[_ExitEdge] = []
        self.types = types

    def new_segment(self, at: int, *, check: bool = False) -> _Segment:
        seg = _Segment(check=check)
        self.inserts.append((at, seg))
        return seg

    def plan(self, instrs: list[Instr], body_start: int) -> list[_Insert]:
        emit, add = self.emit, self.inserts.append
        use_local = emit.counter_local >= 0
        if use_local:
            add((body_start, emit.load))
        cur: _Segment | None = self.new_segment(body_start)
        ctrl = [_Frame(Op.BLOCK, True)]  # the function's own block
        for ins in instrs:
            op = ins.opcode
            if op == Op.END:
                frame = ctrl.pop()
                if not ctrl:  # the function's end
                    if use_local and cur is not None:
                        add((ins.offset, emit.store))
                    break
                if frame.live:
                    cur = self.after_end(frame, ins, cur)
                continue
            if op == Op.ELSE:
                frame = ctrl[-1]
                if frame.live:
                    frame.then_end = cur
                    frame.else_seg = cur = self.new_segment(ins.end)
                continue
            if cur is None:  # unreachable code: nothing runs, only track nesting
                if op in (Op.BLOCK, Op.LOOP, Op.IF):
                    ctrl.append(_Frame(op, False))
                continue
            cur.cost += weight(op)
            if op == Op.BLOCK:
                ctrl.append(_Frame(op, True, parent=cur, arity=self.arity(ins)))
            elif op == Op.LOOP:
                # Every iteration passes the header: charge and check there.
                ctrl.append(_Frame(op, True, parent=cur))
                cur = self.new_segment(ins.end, check=True)
            elif op == Op.IF:
                frame = _Frame(op, True, parent=cur, arity=self.arity(ins))
                ctrl.append(frame)
                self.ifs.append(frame)
                if cur.closed_by is None:
                    cur.closed_by = frame
                    self.sinks.append(cur)
                frame.then_seg = cur = self.new_segment(ins.end)
            elif op == Op.BR or op == Op.BR_IF or op == Op.BR_TABLE:
                depths = ins.imm if isinstance(ins.imm, tuple) else (ins.imm,)
                outermost = len(ctrl) - 1
                for depth in depths:
                    assert isinstance(depth, int)
                    target = outermost - depth
                    ctrl[target].targeted = True
                    for inner in ctrl[target + 1 :]:
                        inner.escaped = True
                if use_local and outermost in depths:  # may leave the function
                    add((ins.offset, emit.store))
                if op == Op.BR_IF:
                    before, cur = cur, self.new_segment(ins.end)
                    target_frame = ctrl[outermost - depths[0]]
                    if self.policy.charge_ahead and target_frame.op != Op.LOOP and target_frame.arity == 0 and (
                        depths[0] != outermost
                    ):
                        edge = _ExitEdge(depths[0], ins.offset, ins.end, before, cur, _Segment())
                        self.exits.append(edge)
                        add((ins.offset, edge))
                else:
                    cur = None
            elif op == Op.RETURN:
                for inner in ctrl[1:]:
                    inner.escaped = True
                if use_local:
                    add((ins.offset, emit.store))
                cur = None
            elif op == Op.UNREACHABLE:
                cur = None
            elif op == Op.CALL or op == Op.CALL_INDIRECT:
                if self.calls_module(ins):
                    # A check before each call bounds recursion as loop headers bound loops.
                    cur.check = True
                    if use_local:
                        add((ins.offset, emit.store))
                        add((ins.end, emit.load))
            elif op in _SIZED:
                add((ins.offset, emit.sized(op)))
        if self.policy.hoist_if_arms:
            self.hoist()
        self.charge_ahead()
        if self.policy.sink_into_if_arms:
            self.sink()
        return self.inserts

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
            if after.cost == 0 and not after.check:
                continue
            edge.before.cost += after.cost
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


# --- Code --------------------------------------------------------------------------------------


class _Emitter:
    """The code fragments of one function: charge, check, write-back, operand-sized charge."""

    __slots__ = ("rw", "counter_local", "scratch_local", "load", "store", "_read", "_write", "_tee_check")

    def __init__(self, rw: _Rewriter, counter_local: int, scratch_local: int) -> None:
        self.rw = rw
        self.counter_local = counter_local
        self.scratch_local = scratch_local
        if counter_local >= 0:
            loc = encode_u32(counter_local)
            self.load = rw.g_get + b"\x21" + loc  # global.get; local.set
            self.store = b"\x20" + loc + rw.g_set  # local.get; global.set
            self._read = b"\x20" + loc
            self._write = b"\x21" + loc
            # local.tee keeps the new value on the stack for the comparison.
            self._tee_check = b"\x22" + loc + rw.trap_if_negative
        else:
            self.load = self.store = b""
            self._read = rw.g_get
            self._write = rw.g_set
            self._tee_check = rw.g_set + rw.g_get + rw.trap_if_negative

    def segment(self, seg: _Segment) -> bytes:
        """counter -= cost (i64.sub of a constant), then the check if the segment has one."""
        if seg.cost == 0:
            return self._read + self.rw.trap_if_negative if seg.check else b""
        charge = self._read + b"\x42" + encode_s64(seg.cost) + b"\x7d"
        return charge + (self._tee_check if seg.check else self._write)

    def sized(self, op: int) -> bytes:
        """Charge for the i32 size operand on top of the stack, check, and put it back."""
        shift, sign = _SIZED[op]
        tmp = encode_u32(self.scratch_local)
        scale = b""
        if shift:
            scale = b"\x42" + encode_s64(shift) + (b"\x86" if sign > 0 else b"\x88")  # i64.shl / shr_u
        return (
            b"\x21" + tmp  # local.set tmp
            + self._read
            + b"\x20" + tmp + b"\xad"  # local.get tmp; i64.extend_i32_u
            + scale
            + b"\x7d"  # i64.sub
            + self._tee_check
            + b"\x20" + tmp  # local.get tmp
        )


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
                out.append(b"\x04\x40" + emit.segment(what.refund) + b"\x0c" + encode_u32(what.depth + 1) + b"\x0b")
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
