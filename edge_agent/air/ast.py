"""The AIR syntax tree: frozen values and instructions, nothing else.

Every instruction node carries `node_id`, its position in a pre-order walk of the script,
which the interpreter uses (with the fold iterations around it) to key the results it
records. The parser numbers nodes; trees built by hand get ids from `number_nodes`.
`render` prints a node the way AquaVM's Display does, because that text is what scripts
see in `%last_error%.$.instruction` and `:error:.$.instruction`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Union

# --- lenses ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """`.field` — a key of a JSON object."""

    name: str


@dataclass(frozen=True, slots=True)
class Index:
    """`.[3]` — an array index given as a literal."""

    index: int


@dataclass(frozen=True, slots=True)
class IndexVar:
    """`.[i]` — an array index (or object key) taken from a scalar variable."""

    name: str


Accessor = Union[Field, Index, IndexVar]
Lens = tuple[Accessor, ...]


def render_lens(lens: Lens) -> str:
    parts = []
    for acc in lens:
        if isinstance(acc, Field):
            parts.append(f".{acc.name}")
        elif isinstance(acc, Index):
            parts.append(f".[{acc.index}]")
        else:
            parts.append(f".[{acc.name}]")
    return ".$" + "".join(parts)


def render_variable(name: str, lens: Lens, length: bool) -> str:
    return name + (render_lens(lens) if lens else "") + (".length" if length else "")


# --- values ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """A string literal (AIR strings have no escapes: they end at the next quote)."""

    value: str

    def render(self) -> str:
        return f'"{self.value}"'


@dataclass(frozen=True, slots=True)
class Number:
    value: int | float

    def render(self) -> str:
        return render_number(self.value)


@dataclass(frozen=True, slots=True)
class Boolean:
    value: bool

    def render(self) -> str:
        return "true" if self.value else "false"


@dataclass(frozen=True, slots=True)
class EmptyArray:
    def render(self) -> str:
        return "[]"


@dataclass(frozen=True, slots=True)
class InitPeerId:
    def render(self) -> str:
        return "%init_peer_id%"


@dataclass(frozen=True, slots=True)
class Timestamp:
    def render(self) -> str:
        return "%timestamp%"


@dataclass(frozen=True, slots=True)
class Ttl:
    def render(self) -> str:
        return "%ttl%"


@dataclass(frozen=True, slots=True)
class LastError:
    """`%last_error%`, optionally with a lens."""

    lens: Lens = ()

    def render(self) -> str:
        return "%last_error%" + (render_lens(self.lens) if self.lens else "")


@dataclass(frozen=True, slots=True)
class ErrorValue:
    """`:error:`, optionally with a lens."""

    lens: Lens = ()

    def render(self) -> str:
        return ":error:" + (render_lens(self.lens) if self.lens else "")


@dataclass(frozen=True, slots=True)
class Scalar:
    """A scalar variable, optionally with a lens or the `.length` functor."""

    name: str
    lens: Lens = ()
    length: bool = False

    def render(self) -> str:
        return render_variable(self.name, self.lens, self.length)


@dataclass(frozen=True, slots=True)
class CanonStream:
    """`#name`, a canonicalized (frozen) stream, optionally with a lens or `.length`."""

    name: str
    lens: Lens = ()
    length: bool = False

    def render(self) -> str:
        return render_variable(self.name, self.lens, self.length)


@dataclass(frozen=True, slots=True)
class Stream:
    """`$name`, an append-only stream. Only some positions accept it (fold, canon, outputs)."""

    name: str

    def render(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class StreamMap:
    """`%name`, a stream of (key, value) pairs, as Aqua builds structs and maps with."""

    name: str

    def render(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class CanonStreamMap:
    """`#%name`, a frozen stream map; read as an object of key -> [values]."""

    name: str
    lens: Lens = ()
    length: bool = False

    def render(self) -> str:
        return render_variable(self.name, self.lens, self.length)


Value = Union[
    Literal,
    Number,
    Boolean,
    EmptyArray,
    InitPeerId,
    Timestamp,
    Ttl,
    LastError,
    ErrorValue,
    Scalar,
    CanonStream,
    CanonStreamMap,
]
"""What may appear where AIR expects a value (call arguments, match, ap, fail)."""

Output = Union[Scalar, Stream, None]


def render_number(value: int | float) -> str:
    """Numbers as Rust's Display prints them (1.0 → "1", -0.0 → "-0")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return repr(value)
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    # Shortest digits that round-trip, never in exponent form (AIR has no exponents).
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- instructions ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Seq:
    left: Instruction
    right: Instruction
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Par:
    left: Instruction
    right: Instruction
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Xor:
    left: Instruction
    right: Instruction
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Call:
    """`(call peer (service function) [args] output)`."""

    peer: Value
    service: Value
    function: Value
    args: tuple[Value, ...]
    output: Output = None
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Fold:
    """`(fold iterable iterator body last?)`; iterable is a scalar, canon stream, stream or []."""

    iterable: Scalar | CanonStream | CanonStreamMap | Stream | StreamMap | EmptyArray
    iterator: str
    body: Instruction
    last: Instruction | None = None
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Next:
    iterator: str
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class New:
    """`(new var body)`: a fresh scalar, stream or canon stream for the body."""

    variable: Scalar | Stream | CanonStream | StreamMap | CanonStreamMap
    body: Instruction
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Match:
    left: Value
    right: Value
    body: Instruction
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class MisMatch:
    left: Value
    right: Value
    body: Instruction
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Ap:
    """`(ap value result)`: copies a value into a scalar or appends it to a stream."""

    value: Value
    result: Scalar | Stream
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ApMap:
    """`(ap (key value) %map)`: appends a key/value pair to a stream map."""

    key: Value
    value: Value
    map: StreamMap
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Canon:
    """`(canon peer $stream #canon)`: freezes a stream on `peer` for every later reader.

    Also `(canon peer %map #%canon)` for stream maps, and `(canon peer %map scalar)`, which
    freezes a stream map into an object (the first value of each key).
    """

    peer: Value
    stream: Stream | StreamMap
    canon: CanonStream | CanonStreamMap | Scalar
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class FailLiteral:
    """`(fail 42 "message")`."""

    code: int
    message: str
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class FailValue:
    """`(fail x)`, `(fail x.$.lens)`, `(fail #c.$.[0])`, `(fail %last_error%)`, `(fail :error:)`."""

    value: Scalar | CanonStream | CanonStreamMap | LastError | ErrorValue
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Null:
    node_id: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Never:
    node_id: int = field(default=0, compare=False)


Instruction = Union[
    Seq, Par, Xor, Call, Fold, Next, New, Match, MisMatch, Ap, ApMap, Canon,
    FailLiteral, FailValue, Null, Never,
]


def children(node: Instruction) -> tuple[Instruction, ...]:
    """The instructions directly inside `node`, in script order."""
    if isinstance(node, (Seq, Par, Xor)):
        return (node.left, node.right)
    if isinstance(node, Fold):
        return (node.body,) if node.last is None else (node.body, node.last)
    if isinstance(node, (New, Match, MisMatch)):
        return (node.body,)
    return ()


def number_nodes(root: Instruction) -> Instruction:
    """Return a copy of `root` whose nodes carry their pre-order index as `node_id`."""
    counter = 0

    def walk(node: Instruction) -> Instruction:
        nonlocal counter
        my_id = counter
        counter += 1
        changes: dict[str, object] = {"node_id": my_id}
        if isinstance(node, (Seq, Par, Xor)):
            changes["left"] = walk(node.left)
            changes["right"] = walk(node.right)
        elif isinstance(node, Fold):
            changes["body"] = walk(node.body)
            if node.last is not None:
                changes["last"] = walk(node.last)
        elif isinstance(node, (New, Match, MisMatch)):
            changes["body"] = walk(node.body)
        return dataclasses.replace(node, **changes)  # type: ignore[arg-type]

    return walk(root)


def render(node: Instruction) -> str:
    """The instruction's head as AquaVM's Display prints it (children are not shown)."""
    try:
        head = _HEADS[type(node)]
    except KeyError:
        raise TypeError(f"not an AIR instruction: {node!r}") from None
    return head(node)


def _call_head(node: Call) -> str:
    args = " ".join(a.render() for a in node.args)
    out = node.output.render() if node.output is not None else ""
    return f"call {node.peer.render()} ({node.service.render()} {node.function.render()}) [{args}] {out}"


_HEADS: dict[type, Callable[[Any], str]] = {
    Call: _call_head,
    Seq: lambda n: "seq",
    Par: lambda n: "par",
    Xor: lambda n: "xor",
    Fold: lambda n: f"fold {n.iterable.render()} {n.iterator}",
    Next: lambda n: f"next {n.iterator}",
    New: lambda n: f"new {n.variable.render()}",
    Match: lambda n: f"match {n.left.render()} {n.right.render()}",
    MisMatch: lambda n: f"mismatch {n.left.render()} {n.right.render()}",
    Ap: lambda n: f"ap {n.value.render()} {n.result.render()}",
    ApMap: lambda n: f"ap ({n.key.render()} {n.value.render()}) {n.map.render()}",
    Canon: lambda n: f"canon {n.peer.render()} {n.stream.render()} {n.canon.render()}",
    FailLiteral: lambda n: f'fail {n.code} "{n.message}"',
    FailValue: lambda n: f"fail {n.value.render()}",
    Null: lambda n: "null",
    Never: lambda n: "never",
}
"""Instruction class -> its head as text; a new instruction adds one entry."""


def to_air(node: Instruction, indent: int | None = None) -> str:
    """Print a whole tree back to AIR text that parses to an equal tree."""

    def head_and_children(n: Instruction) -> tuple[str, tuple[Instruction, ...]]:
        if isinstance(n, Fold):
            return f"fold {n.iterable.render()} {n.iterator}", children(n)
        if isinstance(n, Call):
            return render(n).rstrip(), ()
        return render(n), children(n)

    def walk(n: Instruction, depth: int) -> str:
        head, kids = head_and_children(n)
        if not kids:
            return f"({head})"
        if indent is None:
            return "(" + head + " " + " ".join(walk(k, depth + 1) for k in kids) + ")"
        pad = " " * (indent * (depth + 1))
        inner = "\n".join(pad + walk(k, depth + 1) for k in kids)
        return f"({head}\n{inner}\n{' ' * (indent * depth)})"

    return walk(node, 0)
