"""Plan the fuel charges of one function body: cut it into straight-line segments, total their
weights, and move charges where they cost least (instrument.py's docstring has the rules and
why). Produces inserts (offset, what to place); instrument.py renders and splices them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from edge_agent.services.wasm.binary import FuncType, Instr, Op, label_depths
from edge_agent.services.wasm.fuel_costs import SIZED, weight
from edge_agent.services.wasm.loops import back_edge_loops
from edge_agent.services.wasm.unroll import Unrolled, block_results

if TYPE_CHECKING:
    from edge_agent.services.wasm.instrument import Emitter, Policy


@dataclass(slots=True, eq=False)
class Segment:
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
    calls: bool = False
    """The segment calls module code (so something must check before it runs)."""


@dataclass(slots=True, eq=False)
class ElseArm:
    """An ``else`` added to an ``if`` that has none, to carry a charge on the false edge."""

    seg: Segment


@dataclass(slots=True, eq=False)
class ExitEdge:
    """A ``br_if`` out of a block whose fall-through segment `after` is charged ahead, with
    `before`: rendered as ``if <refund> br (depth+1) end`` so that the branch, taken once
    per exit instead of failing once per iteration, gives the charge back."""

    depth: int
    start: int
    end: int
    before: Segment
    after: Segment
    refund: Segment
    ahead: bool = True
    """The `after` segment may be charged ahead (else only an unrolled copy's refund)."""


@dataclass(slots=True, eq=False)
class BackEdge:
    """The ``br`` that ends a loop's body and is the only branch back to it: rendered as
    <charge `header`> <check> ``br_if`` (one wasm3 operation, as the ``br`` was), and what
    a failed check does. The loop's header then has no charge of its own: its first run is
    charged with the segment that enters the loop."""

    depth: int
    end: int
    """Where the ``br`` ends (it is replaced)."""
    header: Segment


@dataclass(slots=True, eq=False)
class _UnrollCharges:
    """The charges of one unrolled loop: its header, where the second copy of its body
    starts, and where execution leaves the first copy (refunded if the second is charged
    at the header)."""

    header: Segment
    join: Segment | None = None
    refunds: list[Segment] = field(default_factory=list)
    """Added before each ``br`` or ``return`` out of the first copy."""
    edges: list[ExitEdge] = field(default_factory=list)
    """The ``br_if`` edges out of the first copy."""


@dataclass(slots=True, eq=False)
class _Frame:
    """An open block, loop or if during the walk."""

    op: int
    live: bool
    """False if the block opens in unreachable code."""
    arity: int = 0
    """Values a branch to the label carries (0 for an empty block type)."""
    parent: Segment | None = None
    """The segment that was running when the block opened."""
    then_seg: Segment | None = None
    """The first segment of the then arm."""
    then_end: Segment | None = None
    """The segment running at the end of the then arm (None if it cannot fall through)."""
    else_seg: Segment | None = None
    """The first segment of the else arm, or of the else added to carry a sunk charge."""
    targeted: bool = False
    """Some branch goes to this block's label."""
    escaped: bool = False
    """Some branch or return inside leaves the block other than through its end."""
    unroll: _UnrollCharges | None = None
    """Set on the block around the first copy of an unrolled loop's body."""
    back: Segment | None = None
    """A loop checked at its back edge: its header segment."""
    arrivals: list[ExitEdge | Segment | None] = field(default_factory=list)
    """Each live branch to this block's label: its exit edge, the refund before it, or
    None if it carries no refund."""
    falls_through: bool = False
    """The end of the body is reachable (control can arrive here without a branch)."""
    landing: Segment | None = None
    """The segment that runs after the block's end."""
    end_at: int = 0
    """Where the code after the block's end starts."""


Insert = tuple[int, "bytes | Segment | ElseArm | ExitEdge | BackEdge"]
"""What to place at a byte offset of a body: code, a segment's charge, an added else, a
br_if or a br to rewrite."""


class Planner:
    """Walks one body: cuts it into segments, totals their weights, lists the inserts.

    Costs keep changing during the walk (hoisting, merging, sinking) and are rendered
    only afterwards, so inserts hold segments, not bytes.
    """

    def __init__(
        self,
        policy: Policy,
        calls_module: Callable[[Instr], bool],
        emit: Emitter,
        types: tuple[FuncType, ...],
        unrolled: Unrolled | None = None,
    ) -> None:
        self.policy = policy
        self.calls_module = calls_module
        self.emit = emit
        self.inserts: list[Insert] = []
        self.ifs: list[_Frame] = []
        self.sinks: list[Segment] = []
        self.exits: list[ExitEdge] = []
        self.types = types
        self.synthetic: frozenset[int] = unrolled.synthetic if unrolled is not None else frozenset()
        self.first_copies: frozenset[int] = unrolled.first_copies if unrolled is not None else frozenset()
        self.rejoins: frozenset[int] = unrolled.rejoins if unrolled is not None else frozenset()
        self.unrolls: list[_UnrollCharges] = []
        self.blocks: list[_Frame] = []
        self.landing_refunds: list[Insert] = []
        self.use_local = emit.counter_local >= 0
        self.back_edge: frozenset[int] = frozenset()
        """Offsets of the loops checked at their back edge (`back_edge_loops`)."""
        self.entries: list[tuple[Segment, Segment]] = []
        """(segment entering the loop, header) of each loop checked at its back edge."""
        self.cur: Segment | None = None
        """The segment running at this point of the walk (None in unreachable code)."""
        self.ctrl: list[_Frame] = []
        """The open blocks, the function's own at the bottom."""

    def new_segment(self, at: int, *, check: bool = False) -> Segment:
        seg = Segment(check=check)
        self.inserts.append((at, seg))
        return seg

    def plan(self, instrs: list[Instr], body_start: int) -> list[Insert]:
        """The inserts for one body: walk it, then move charges between its segments."""
        if self.policy.back_edge_checks:
            self.back_edge = back_edge_loops(instrs, self.types)
        self.walk(instrs, body_start)
        if self.policy.hoist_if_arms:
            self.hoist()
        self.charge_ahead()
        self.merge_unrolled()
        if self.policy.refund_on_landing:
            for frame in self.blocks:
                self.refund_on_landing(frame)
        # Inner loops first: an inner loop's entry may be charged with an outer one's header.
        for parent, header in reversed(self.entries):
            parent.cost += header.cost
            parent.slack += header.slack
            parent.check = parent.check or header.calls
            parent.calls = parent.calls or header.calls
        if self.policy.sink_into_if_arms:
            self.sink()
        return self.landing_refunds + self.inserts  # instrument._splice keeps the order at one offset

    def walk(self, instrs: list[Instr], body_start: int) -> None:
        """Cut the body into segments and total their weights. Most instructions only add
        their weight to the running segment; the others have a method in `_PLAN_STEPS`."""
        if self.use_local:
            self.inserts.append((body_start, self.emit.load))
        self.cur = self.new_segment(body_start)
        self.ctrl = [_Frame(Op.BLOCK, True)]  # the function's own block
        steps = _PLAN_STEPS
        synthetic, rejoins = self.synthetic, self.rejoins
        for ins in instrs:
            if ins.offset in rejoins and self.cur is not None:
                self.cur.cost += weight(Op.BR)  # the first copy's br back, dropped by unroll
            step = steps.get(ins.opcode)
            if step is not None:
                step(self, ins)
            elif self.cur is not None and ins.offset not in synthetic:
                self.cur.cost += weight(ins.opcode)

    def reached(self, ins: Instr) -> Segment | None:
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
            frame.unroll = _UnrollCharges(cur)
            self.unrolls.append(frame.unroll)
        self.ctrl.append(frame)

    def loop(self, ins: Instr) -> None:
        cur = self.reached(ins)
        if cur is None:
            self.ctrl.append(_Frame(ins.opcode, False))
            return
        frame = _Frame(ins.opcode, True, parent=cur)
        self.ctrl.append(frame)
        if ins.offset in self.back_edge:
            # Charged and checked where the body branches back, and first with `cur`.
            frame.back = self.cur = Segment(check=True)
            self.entries.append((cur, frame.back))
            return
        # Every iteration passes the header: charge and check there.
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
        depths = label_depths(ins.imm)
        outermost = len(ctrl) - 1
        for depth in depths:
            target = outermost - depth
            ctrl[target].targeted = True
            for inner in ctrl[target + 1 :]:
                inner.escaped = True
        unroll = self.leaves_first_copy(ctrl, max(depths))
        refund: Segment | None = None
        if op == Op.BR and (unroll is not None or ins.offset in self.synthetic):
            refund = self.new_segment(ins.offset)  # before the write-back
            if unroll is not None:
                unroll.refunds.append(refund)
        if self.use_local and outermost in depths:  # may leave the function
            self.inserts.append((ins.offset, self.emit.store))
        if op == Op.BR_IF:
            self.exit_edge(ins, depths[0], cur, unroll)
            return
        if op == Op.BR:
            label = ctrl[outermost - depths[0]]
            label.arrivals.append(refund)
            if label.back is not None:  # the only branch back to its loop
                self.inserts.append((ins.offset, BackEdge(depths[0], ins.end, label.back)))
        else:
            for depth in depths:
                ctrl[outermost - depth].arrivals.append(None)
        # unroll never leaves a first copy through a br_table.
        assert unroll is None or op == Op.BR
        self.cur = None

    def exit_edge(self, ins: Instr, depth: int, before: Segment, unroll: _UnrollCharges | None) -> None:
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
            edge = ExitEdge(depth, ins.offset, ins.end, before, after, Segment(), ahead)
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
        if cur is None:
            return
        if not self.calls_module(ins):  # a host import: what it costs besides a call
            extra, sized = self.emit.host_call(ins)
            cur.cost += extra
            if sized:
                self.inserts.append((ins.offset, self.emit.sized_bytes()))
            return
        # A check before each call bounds recursion as loop headers bound loops.
        cur.check = cur.calls = True
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
            amounts.append(arrival.refund.cost if isinstance(arrival, ExitEdge) else arrival.cost)
        # Most common among the exit edges: a br's refund runs only when it is taken.
        arrivals = zip(amounts, frame.arrivals, strict=True)
        pool = [a for a, arrival in arrivals if isinstance(arrival, ExitEdge)] or amounts
        common = max(pool, key=pool.count)
        if common == 0:
            return
        for arrival in frame.arrivals:
            assert arrival is not None
            (arrival.refund if isinstance(arrival, ExitEdge) else arrival).cost -= common
        if frame.landing is frame.parent:
            # Charged before the block opened: the refund needs code of its own, first of
            # what is placed there (before a write-back of the counter, say).
            self.landing_refunds.append((frame.end_at, Segment(common)))
        else:
            frame.landing.cost += common  # a segment that starts there anyway

    @staticmethod
    def leaves_first_copy(ctrl: list[_Frame], depth: int) -> _UnrollCharges | None:
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
            header.calls = header.calls or join.calls
            for seg in unroll.refunds:
                seg.cost -= join.cost
            for edge in unroll.edges:
                edge.refund.cost -= join.cost
            join.cost = 0
            join.check = False

    def arity(self, ins: Instr) -> int:
        """How many values a branch to this block's label carries (its results)."""
        return block_results(ins.imm, self.types)

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
            edge.before.calls = edge.before.calls or after.calls
            edge.refund.cost = -after.cost
            after.cost = 0
            after.check = False

    def after_end(self, frame: _Frame, ins: Instr, cur: Segment | None) -> Segment | None:
        """The segment that goes on after the ``end`` of a live block, loop or if; `cur` is
        the one running at the end of its body (None if that cannot fall through)."""
        if frame.op == Op.IF and frame.else_seg is None:
            frame.then_end = cur
            if self.policy.hoist_if_arms or self.policy.sink_into_if_arms:
                # Give the false edge a segment of its own (rendered as an added else only
                # if it ends up charging something).
                frame.else_seg = cur = Segment()
                self.inserts.append((ins.offset, ElseArm(frame.else_seg)))
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


_PLAN_STEPS: dict[int, Callable[[Planner, Instr], None]] = {
    Op.END: Planner.end,
    Op.ELSE: Planner.else_,
    Op.BLOCK: Planner.block,
    Op.LOOP: Planner.loop,
    Op.IF: Planner.if_,
    Op.BR: Planner.branch,
    Op.BR_IF: Planner.branch,
    Op.BR_TABLE: Planner.branch,
    Op.RETURN: Planner.return_,
    Op.UNREACHABLE: Planner.unreachable,
    Op.CALL: Planner.call,
    Op.CALL_INDIRECT: Planner.call,
    **{op: Planner.sized for op in SIZED},
}
"""The instructions `Planner.walk` does more with than charge their weight."""


def plan_per_instruction(
    instrs: list[Instr], calls_module: Callable[[Instr], bool], emit: Emitter
) -> list[Insert]:
    """The reference plan: each instruction is charged its weight just before it runs,
    checks at loop headers and before calls. Slow, and obviously exact."""
    inserts: list[Insert] = []
    for ins in instrs:
        op = ins.opcode
        extra, sized = (0, False) if calls_module(ins) else emit.host_call(ins)
        w = weight(op) + extra
        if w or calls_module(ins):
            inserts.append((ins.offset, Segment(w, check=calls_module(ins))))
        if op in SIZED:
            inserts.append((ins.offset, emit.sized(op)))
        if sized:
            inserts.append((ins.offset, emit.sized_bytes()))
        if op == Op.LOOP:
            inserts.append((ins.end, Segment(0, check=True)))
    return inserts
