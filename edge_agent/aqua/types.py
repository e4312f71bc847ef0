"""Aqua's types: what the checker reasons with, and the rule of which value fits where.

Written as Aqua writes them (`[]string`, `?u32`, `*Ident`) so that type errors read like the
source. Pure data plus `assignable`, the one rule the checker applies at every call,
return, push and struct field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

INTS = {"u8": (False, 8), "u16": (False, 16), "u32": (False, 32), "u64": (False, 64),
        "i8": (True, 8), "i16": (True, 16), "i32": (True, 32), "i64": (True, 64)}
FLOATS = ("f32", "f64")
SCALARS = frozenset({*INTS, *FLOATS, "bool", "string", "⊤", "⊥"})
INT_LITERAL = "number"
NEG_LITERAL = "negative number"
FLOAT_LITERAL = "float number"


@dataclass(frozen=True, slots=True)
class Scalar:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Array:
    elem: Type

    def __str__(self) -> str:
        return f"[]{self.elem}"


@dataclass(frozen=True, slots=True)
class Option:
    elem: Type

    def __str__(self) -> str:
        return f"?{self.elem}"


@dataclass(frozen=True, slots=True)
class Stream:
    elem: Type

    def __str__(self) -> str:
        return f"*{self.elem}"


@dataclass(frozen=True, slots=True)
class Struct:
    name: str
    fields: tuple[tuple[str, Type], ...]

    def __str__(self) -> str:
        return self.name

    def field(self, name: str) -> Type | None:
        return dict(self.fields).get(name)


@dataclass(frozen=True, slots=True)
class Nil:
    """`nil`: the empty option, array or stream."""

    def __str__(self) -> str:
        return "nil"


@dataclass(frozen=True, slots=True)
class Arrow:
    """A callback: a function passed as an argument (`string, u32 -> bool`)."""

    args: tuple[Type, ...]
    results: tuple[Type, ...]

    def __str__(self) -> str:
        args = ", ".join(map(str, self.args))
        results = ", ".join(map(str, self.results)) or "()"
        return f"{args} -> {results}" if len(self.args) == 1 else f"({args}) -> {results}"


Type = Union[Scalar, Array, Option, Stream, Struct, Nil, Arrow]
Collection = (Array, Option, Stream)

STRING = Scalar("string")
BOOL = Scalar("bool")
U32 = Scalar("u32")
I64 = Scalar("i64")
ERROR = Struct("Error", (("error_code", I64), ("instruction", STRING), ("message", STRING),
                         ("peer_id", STRING)))
"""What `catch e` binds: AquaVM's :error: object."""
BUILT_IN: dict[str, Type] = {
    "INIT_PEER_ID": STRING, "HOST_PEER_ID": STRING, "PARTICLE_TTL": U32,
    "PARTICLE_TIMESTAMP": Scalar("u64"), "LAST_ERROR": ERROR,
}
"""The names Fluence's compiler 0.14 defines in every module, and their types."""


@dataclass(frozen=True, slots=True)
class Signature:
    """A function's or service function's arguments and results."""

    args: tuple[tuple[str, Type], ...]
    results: tuple[Type, ...]


LITERALS = (INT_LITERAL, NEG_LITERAL, FLOAT_LITERAL)


def is_integer(t: Type) -> bool:
    return isinstance(t, Scalar) and (t.name in INTS or t.name in (INT_LITERAL, NEG_LITERAL))


def is_number(t: Type) -> bool:
    return isinstance(t, Scalar) and (t.name in INTS or t.name in FLOATS or
                                      t.name in (INT_LITERAL, NEG_LITERAL, FLOAT_LITERAL))


def _int_fits(src: str, dst: str) -> bool:
    s_signed, s_bits = INTS[src]
    d_signed, d_bits = INTS[dst]
    if s_signed == d_signed:
        return d_bits >= s_bits
    return d_signed and d_bits > s_bits


def _scalar_assignable(src: str, dst: str) -> bool:
    if src == dst or dst == "⊤" or src == "⊥":
        return True
    if src == INT_LITERAL:
        return dst in INTS or dst in FLOATS
    if src == NEG_LITERAL:
        return (dst in INTS and INTS[dst][0]) or dst in FLOATS
    if src == FLOAT_LITERAL:
        return dst in FLOATS
    if src in INTS and dst in INTS:
        return _int_fits(src, dst)
    if src in INTS and dst in FLOATS:
        return True
    return src == "f32" and dst == "f64"


def assignable(src: Type, dst: Type) -> bool:
    """Whether a value of type `src` may be given where `dst` is expected."""
    if isinstance(src, Arrow) or isinstance(dst, Arrow):  # not data: never ⊤
        return isinstance(src, Arrow) and isinstance(dst, Arrow) and _arrow_fits(src, dst)
    if isinstance(dst, Scalar) and dst.name == "⊤":
        return True
    if isinstance(src, Nil):
        return isinstance(dst, Collection)
    if isinstance(src, Scalar) and isinstance(dst, Scalar):
        return _scalar_assignable(src.name, dst.name)
    if isinstance(dst, (Array, Option)):
        return isinstance(src, Collection) and assignable(src.elem, dst.elem)
    if isinstance(dst, Stream):
        return isinstance(src, Stream) and assignable(src.elem, dst.elem)
    if isinstance(src, Struct) and isinstance(dst, Struct):
        if src.name == dst.name:
            return True
        have = dict(src.fields)
        return all(name in have and assignable(have[name], t) for name, t in dst.fields)
    return False


def _arrow_fits(src: Arrow, dst: Arrow) -> bool:
    return (len(src.args) == len(dst.args) and len(src.results) == len(dst.results)
            and all(assignable(d, s) for s, d in zip(src.args, dst.args, strict=True))
            and all(assignable(s, d) for s, d in zip(src.results, dst.results, strict=True)))


def comparable(a: Type, b: Type) -> bool:
    """Whether `==`/`!=` may compare a and b: one fits the other, or both are numbers."""
    return assignable(a, b) or assignable(b, a) or (is_number(a) and is_number(b))
