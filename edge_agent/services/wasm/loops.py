"""Scans of a function body's loops that decide how the instrumenter meters it (instrument.py
has the accounting): where the counter lives, and which loops are checked where they branch
back. Pure."""

from __future__ import annotations

from collections.abc import Callable

from edge_agent.services.wasm.binary import FuncType, Instr, Op, label_depths
from edge_agent.services.wasm.unroll import block_params


def has_loop_without_calls(instrs: list[Instr], calls_module: Callable[[Instr], bool]) -> bool:
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
        elif in_loops and op in _CALLS and calls_module(ins):
            return False
    return seen


def window_pays(instrs: list[Instr]) -> bool:
    """Whether the body's loops run i64 arithmetic or comparisons and no i32 ones: then an
    i64 counter would share wasm3 operations with the loop's own code, and an i32 window
    shares none. (Measured: a count-down loop over an i64 costs 1.35-1.4x with an i64
    counter, 1.15-1.2x with a window; where loops mix both types, neither wins
    consistently.) Not if a
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


def back_edge_loops(instrs: list[Instr], types: tuple[FuncType, ...]) -> frozenset[int]:
    """Offsets of the loops that take no parameters and whose only branch back is the ``br``
    that ends their body: those are charged and checked there, where wasm3 runs one
    operation for ``br_if`` as for ``br``, instead of at their header (one check operation
    fewer per iteration)."""
    out: set[int] = set()
    # Open blocks: (opcode, offset, block type, [branches to the label]).
    stack: list[tuple[int, int, object, list[int]]] = []
    for index, ins in enumerate(instrs):
        op = ins.opcode
        if op not in _SEEN:  # most instructions: one set lookup
            continue
        if op in _OPENS:
            stack.append((op, ins.offset, ins.imm, [0]))
        elif op == _END:
            if stack:
                kind, offset, bt, branches = stack.pop()
                prev = instrs[index - 1]
                if kind == _LOOP and branches[0] == 1 and prev.opcode == _BR and prev.imm == 0:
                    if not block_params(bt, types):
                        out.add(offset)
        else:
            for depth in label_depths(ins.imm):
                if depth < len(stack):  # else the function's own label
                    stack[-1 - depth][3][0] += 1
    return frozenset(out)


_OPENS = frozenset((Op.BLOCK, Op.LOOP, Op.IF))
_SEEN = _OPENS | {Op.END, Op.BR, Op.BR_IF, Op.BR_TABLE}
_END, _LOOP, _BR = int(Op.END), int(Op.LOOP), int(Op.BR)
_CALLS = frozenset((Op.CALL, Op.CALL_INDIRECT))
