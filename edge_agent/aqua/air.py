"""The AIR the code generator builds: a small tree of instructions and its text.

Leaves are finished AIR text (`(call ...)`, `(ap ...)`); a Node is an instruction with
children (`seq`, `par`, `xor`, `new`, `fold`, `match`). `render` writes it indented, one
instruction per line, as Fluence's compiler does, so a person can read the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

NULL = "(null)"
NEVER = "(never)"


@dataclass(frozen=True, slots=True)
class Node:
    head: str
    kids: tuple[Instr, ...]


Instr = Union[str, Node]


def seq(*items: Instr) -> Instr:
    """The items one after the other (nested binary `seq`); `(null)` items are dropped."""
    kept = [i for i in items if i != NULL]
    if not kept:
        return NULL
    out = kept[0]
    for item in kept[1:]:
        out = Node("seq", (out, item))
    return out


def par(a: Instr, b: Instr) -> Instr:
    return Node("par", (a, b))


def xor(a: Instr, b: Instr) -> Instr:
    return Node("xor", (a, b))


def new(name: str, body: Instr) -> Instr:
    return Node(f"new {name}", (body,))


def quote(text: str) -> str:
    """An AIR string literal; AIR has no escapes, so `"` cannot be written in one."""
    return f'"{text}"'


def call(peer: str, service: str, function: str, args: list[str], out: str | None = None,
         service_operand: str | None = None) -> str:
    """A `call`; `service_operand` (a variable or a literal) replaces the quoted `service`."""
    tail = f" {out}" if out else ""
    srv = service_operand or quote(service)
    return f"(call {peer} ({srv} {quote(function)}) [{' '.join(args)}]{tail})"


def hop(peer: str) -> Instr:
    """Send the particle to `peer` and do nothing there: a canon of an empty stream."""
    return new("$-hop-", new("#-hopc-", f"(canon {peer} $-hop-  #-hopc-)"))


def render(instr: Instr, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(instr, str):
        return pad + instr
    kids = "\n".join(render(k, indent + 1) for k in instr.kids)
    return f"{pad}({instr.head}\n{kids}\n{pad})"
