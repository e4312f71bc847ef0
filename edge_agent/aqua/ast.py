"""The syntax tree of an Aqua module: frozen nodes, each with the position it came from.

The parser builds it; the type checker and the code generator only read it. Nodes say what
the source says, nothing more: names are not resolved here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from edge_agent.aqua.errors import Pos

# ---------------------------------------------------------------- types as written


@dataclass(frozen=True, slots=True)
class NamedType:
    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class ArrayType:
    elem: TypeRef
    pos: Pos


@dataclass(frozen=True, slots=True)
class OptionType:
    elem: TypeRef
    pos: Pos


@dataclass(frozen=True, slots=True)
class StreamType:
    elem: TypeRef
    pos: Pos


@dataclass(frozen=True, slots=True)
class ArrowType:
    args: tuple[TypeRef, ...]
    results: tuple[TypeRef, ...]
    pos: Pos


TypeRef = Union[NamedType, ArrayType, OptionType, StreamType, ArrowType]

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Literal:
    value: object  # str, int, float or bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class Var:
    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Field:
    base: Expr
    name: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Index:
    base: Expr
    index: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Bang:
    """`x!`: the first element of an option, array or stream."""

    base: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class ArrayLit:
    items: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class OptionLit:
    items: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Nil:
    pos: Pos


@dataclass(frozen=True, slots=True)
class StructLit:
    """`Name(field = value, ...)`, or `base.copy(field = value, ...)` (`base` set, `name`
    empty): the struct `base` is with some fields changed."""

    name: str
    fields: tuple[tuple[str, Expr], ...]
    pos: Pos
    base: Expr | None = None


@dataclass(frozen=True, slots=True)
class BinOp:
    """Arithmetic (`+ - * / % **`), a comparison, or `&&`/`||`."""

    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Not:
    """`!x`: the negation of a bool."""

    operand: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class CallExpr:
    """`Service.f(args)` or `f(args)`: a call used where a value is expected."""

    service: str | None
    name: str
    args: tuple[Expr, ...]
    pos: Pos


Expr = Union[Literal, Var, Field, Index, Bang, ArrayLit, OptionLit, Nil, StructLit, BinOp, Not, CallExpr]

# ---------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class CallStmt:
    """`a, b <- call` or a bare call; `targets` may be empty."""

    targets: tuple[str, ...]
    call: CallExpr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Assign:
    """`x = expr` (or `x <- expr` when the right side is not a call)."""

    name: str
    value: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class ServiceId:
    """`Srv "id"` or `Srv name`: calls of Srv in the rest of the function go to that id."""

    service: str
    id: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class StreamDecl:
    name: str
    type: TypeRef
    pos: Pos


@dataclass(frozen=True, slots=True)
class Push:
    """`stream <<- value`."""

    stream: str
    value: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class On:
    peer: Expr
    vias: tuple[Expr, ...]
    body: tuple[Stmt, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Par:
    """`par stmt`: runs in parallel with the statement before it."""

    stmt: Stmt
    pos: Pos


@dataclass(frozen=True, slots=True)
class Co:
    """`co stmt`: runs in the background while the block goes on."""

    stmt: Stmt
    pos: Pos


@dataclass(frozen=True, slots=True)
class For:
    var: str
    iterable: Expr
    mode: str  # "seq", "par", "try", "rec", or "parseq" (then the body is one `on` block)
    body: tuple[Stmt, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...] | None
    pos: Pos


@dataclass(frozen=True, slots=True)
class Catch:
    name: str | None  # None for `otherwise`
    body: tuple[Stmt, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Try:
    body: tuple[Stmt, ...]
    handlers: tuple[Catch, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Join:
    values: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Return:
    values: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Closure:
    """`name = (args) -> results:` and a body: a callback that runs where it is defined, or
    with `func` before the arguments, where it is called."""

    name: str
    args: tuple[Arg, ...]
    results: tuple[TypeRef, ...]
    body: tuple[Stmt, ...]
    where_called: bool
    pos: Pos


Stmt = Union[CallStmt, Assign, ServiceId, StreamDecl, Push, On, Par, Co, For, If, Try, Join, Return, Closure]

# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Arg:
    name: str
    type: TypeRef
    pos: Pos


@dataclass(frozen=True, slots=True)
class ServiceFunc:
    name: str
    args: tuple[Arg, ...]
    results: tuple[TypeRef, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    default_id: str | None
    funcs: tuple[ServiceFunc, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Data:
    name: str
    fields: tuple[Arg, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Alias:
    name: str
    type: TypeRef
    pos: Pos


@dataclass(frozen=True, slots=True)
class Const:
    name: str
    value: Expr
    pos: Pos


@dataclass(frozen=True, slots=True)
class Func:
    name: str
    args: tuple[Arg, ...]
    results: tuple[TypeRef, ...]
    body: tuple[Stmt, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class Import:
    """`import "path"`, or `use "path" [as alias]` (`use`): the declarations under a dotted
    name, `alias.NAME` (without `as`, the used module's header name)."""

    path: str
    pos: Pos
    alias: str | None = None
    use: bool = False


Decl = Union[Service, Data, Alias, Const, Func]


@dataclass(frozen=True, slots=True)
class Module:
    name: str | None
    exports: tuple[str, ...]
    imports: tuple[Import, ...]
    decls: tuple[Decl, ...]
    renames: tuple[tuple[str, str, Pos], ...] = ()
    """`export f as g`: (g, f, where); g is in `exports`."""
