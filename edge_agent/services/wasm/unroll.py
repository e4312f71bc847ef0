"""Unroll the small innermost loops of a function body twice, so that one fuel charge and check
serve two iterations (`unroll` has the shape and the conditions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.services.wasm.binary import (
    FuncType,
    Instr,
    Op,
    ValType,
    encode_u32,
    label_depths,
)
from edge_agent.services.wasm.fuel_costs import weight


@dataclass(slots=True, eq=False)
class Unrolled:
    """A body with some loops unrolled, as the planner sees it."""

    data: bytes
    """The instructions (the body without its local declarations)."""
    instrs: list[Instr]
    """Their decoding, offsets into `data`."""
    synthetic: frozenset[int]
    """Offsets of the added ``br`` out of each first copy: they cost nothing."""
    first_copies: frozenset[int]
    """Offsets of the added ``block`` around each first copy."""
    rejoins: frozenset[int] = frozenset()
    """Offsets where a second copy starts right after a first copy whose last instruction,
    its ``br`` back, was dropped: that ``br`` ran in the loop as written, so its weight is
    charged there."""


def unroll(
    instrs: list[Instr],
    data: bytes,
    types: tuple[FuncType, ...],
    calls_module: Callable[[Instr], bool],
    max_weight: int,
) -> Unrolled | None:
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
    by the added labels. A loop whose only branch back is the ``br`` that ends its body
    becomes ``loop $l BODY[without that br] BODY end``: the first copy cannot fall through,
    so it needs no labels, and wasm3 runs no extra branch between the copies (in a block
    of its own if the loop is in a block: see `_UnrollWriter.ends_back`). The copies
    are the original instructions, and the dropped ``br`` is charged where it was
    (`Unrolled.rejoins`): a run costs what it did.
    Qualifies: no loop inside, a branch back, no call into module code, no parameters, a
    weight of at most `max_weight`, and no way out that a refund cannot follow (a
    ``br_table`` out of the loop, a ``br_if`` out carrying values or leaving the function).
    """
    scan = _LoopScan(types, calls_module, max_weight)
    chosen = scan.scan(instrs)
    if not chosen:
        return None
    return _UnrollWriter(instrs, data).write(chosen, scan.ends_back)


class _LoopScan:
    """One walk over a body that finds the loops `unroll` may unroll.

    It keeps the open blocks and, while the innermost open loop still qualifies, that
    loop's state: [weight so far, branches back, qualifies]."""

    def __init__(
        self, types: tuple[FuncType, ...], calls_module: Callable[[Instr], bool], max_weight: int
    ) -> None:
        self.types = types
        self.calls_module = calls_module
        self.max_weight = max_weight
        self.chosen: dict[int, int] = {}  # index of the loop -> index of its end
        # Chosen loops whose only branch back ends their body -> whether to give them a pad.
        self.ends_back: dict[int, bool] = {}
        self.instrs: list[Instr] = []
        # Open blocks: (opcode, block type, index of the instruction, the loop's state or None).
        self.stack: list[tuple[int, object, int, list[int] | None]] = [(Op.BLOCK, None, -1, None)]
        self.inner_at = -1  # the innermost open loop's index in `stack`

    def scan(self, instrs: list[Instr]) -> dict[int, int]:
        """The loops to unroll: index of each loop -> index of its end."""
        max_weight = self.max_weight
        self.instrs = instrs
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
            if state[2] and state[1] and not block_params(bt, self.types):
                self.chosen[start] = index
                last = self.instrs[index - 1]
                if state[1] == 1 and last.opcode == Op.BR and last.imm == 0:
                    out_op, out_bt, _, _ = self.stack[-1]
                    pad = len(self.stack) > 1 and out_op != Op.LOOP and out_bt is None and bt is None
                    self.ends_back[start] = pad
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
        depths = (len(stack) - 1,) if op == Op.RETURN else label_depths(ins.imm)
        for depth in depths:
            target = len(stack) - 1 - depth
            if target == self.inner_at:
                inner[1] += 1
            elif target < self.inner_at and op != Op.BR and op != Op.RETURN:
                t_op, t_bt, _, _ = stack[target]
                types = self.types
                carried = block_params(t_bt, types) if t_op == Op.LOOP else block_results(t_bt, types)
                if op == Op.BR_TABLE or target == 0 or carried:
                    inner[2] = 0


class _UnrollWriter:
    """Writes a body anew with the chosen loops unrolled (see `unroll`)."""

    def __init__(self, instrs: list[Instr], data: bytes) -> None:
        self.instrs = instrs
        self.data = data
        self.out = bytearray()
        self.new: list[Instr] = []
        self.synthetic: list[int] = []
        self.firsts: list[int] = []
        self.rejoins: list[int] = []

    def write(self, chosen: dict[int, int], ends_back: dict[int, bool]) -> Unrolled:
        instrs = self.instrs
        index = 0
        while index < len(instrs):
            end = chosen.get(index)
            if end is None:
                self.copy(instrs[index])
                index += 1
            elif index in ends_back:
                self.ends_back(index, end, ends_back[index])
                index = end + 1
            else:
                self.loop(index, end)
                index = end + 1
        added = (frozenset(self.synthetic), frozenset(self.firsts), frozenset(self.rejoins))
        return Unrolled(bytes(self.out), self.new, *added)

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

    def ends_back(self, index: int, end: int, pad: bool) -> None:
        """``loop $l BODY[without its last br] BODY end``, for a loop whose only branch back
        is that br. With a `pad`: in a ``block $pad`` followed by a ``br`` to the block $t
        around the loop, the first copy's branches to $t going to $pad instead. Both copies
        test the same exits, which the planner charges ahead by different amounts: going
        to two labels, each refund is made once where its exits land, and they all stay
        plain ``br_if`` (an ``if`` carrying a refund costs a slower wasm3 operation each
        time it is not taken)."""
        body = self.instrs[index + 1 : end]
        if pad:
            self.put(Op.BLOCK, None, b"\x02\x40")
        self.copy(self.instrs[index])  # loop $l
        self.copy_body(body[:-1], 1 if pad else 0, keep=pad)
        self.rejoins.append(len(self.out))
        self.copy_body(body, 1 if pad else 0)
        self.copy(self.instrs[end])
        if pad:
            self.put(Op.END, None, b"\x0b")
            self.synthetic.append(self.put(Op.BR, 0, b"\x0c\x00"))  # on to $t

    def put(self, opcode: int, imm: object, code: bytes) -> int:
        at = len(self.out)
        self.out.extend(code)
        self.new.append(Instr(at, opcode, imm, len(self.out)))
        return at

    def copy(self, ins: Instr) -> None:
        self.put(ins.opcode, ins.imm, self.data[ins.offset : ins.end])

    def copy_body(self, body: list[Instr], shift: int, keep: bool = False) -> None:
        """The loop's body, with branches out of the loop `shift` labels further out (if
        `keep`, not those to the label just outside the loop: they go to the added one)."""
        nesting = 0
        for ins in body:
            op = ins.opcode
            if (op == Op.BR or op == Op.BR_IF) and isinstance(ins.imm, int) and ins.imm > nesting:
                depth = ins.imm + (0 if keep and ins.imm == nesting + 1 else shift)
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


# The instructions `unroll` looks at: the others weigh 1 and do nothing it cares about.
_UNROLL_SEES = frozenset(
    (Op.BLOCK, Op.LOOP, Op.IF, Op.ELSE, Op.END, Op.NOP, Op.BR, Op.BR_IF, Op.BR_TABLE, Op.RETURN, Op.CALL,
     Op.CALL_INDIRECT)
)
assert all(weight(op) == 1 for op in range(256) if op not in _UNROLL_SEES)


def block_params(bt: object, types: tuple[FuncType, ...]) -> int:
    if isinstance(bt, int) and not isinstance(bt, ValType):
        return len(types[bt].params)
    return 0


def block_results(bt: object, types: tuple[FuncType, ...]) -> int:
    if bt is None:
        return 0
    if isinstance(bt, int) and not isinstance(bt, ValType):
        return len(types[bt].results)
    return 1
