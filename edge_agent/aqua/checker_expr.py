"""Types of Aqua expressions and calls, for edge_agent.aqua.checker.

Functions over a Checker: each returns the type of an expression or the result types of a
call, and raises AquaError naming the expected and the given type when they do not fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge_agent.aqua import ast
from edge_agent.aqua import types as t

if TYPE_CHECKING:
    from edge_agent.aqua.checker import Checker

Scope = dict[str, t.Type]
_ARITH = ("+", "-", "*", "/", "%", "**")
_ORDER = ("<", "<=", ">", ">=")


def expr_type(ch: Checker, node: ast.Expr, scope: Scope) -> t.Type:
    """The type of `node`; see Checker.expr, which also records it."""
    if isinstance(node, ast.Literal):
        return _literal(node.value)
    if isinstance(node, ast.Var):
        return _var(ch, node, scope)
    if isinstance(node, ast.Field):
        return _field(ch, node, scope)
    if isinstance(node, (ast.Index, ast.Bang)):
        base = ch.expr(node.base, scope)
        if not isinstance(base, t.Collection):
            raise ch.error(node.pos, f"only an array, option or stream has elements; this is {base}")
        if isinstance(node, ast.Index):
            index = ch.expr(node.index, scope)
            if not t.is_integer(index):
                raise ch.error(node.index.pos, f"an index must be an integer, but this is {index}")
        return base.elem
    if isinstance(node, (ast.ArrayLit, ast.OptionLit)):
        return _collection(ch, node, scope)
    if isinstance(node, ast.Nil):
        return t.Nil()
    if isinstance(node, ast.StructLit):
        return _struct(ch, node, scope)
    if isinstance(node, ast.BinOp):
        return _binop(ch, node, scope)
    if isinstance(node, ast.Not):
        ch.expect(node.operand, scope, t.BOOL, "the operand of 'not'")
        return t.BOOL
    results = call_types(ch, node, scope)
    if len(results) != 1:
        raise ch.error(node.pos, f"this call gives {len(results)} values where one value is expected")
    return results[0]


def _literal(value: object) -> t.Type:
    if isinstance(value, bool):
        return t.BOOL
    if isinstance(value, str):
        return t.STRING
    if isinstance(value, int):
        return t.Scalar(t.NEG_LITERAL if value < 0 else t.INT_LITERAL)
    return t.Scalar(t.FLOAT_LITERAL)


def _var(ch: Checker, node: ast.Var, scope: Scope) -> t.Type:
    if node.name in scope:
        return scope[node.name]
    if node.name in ch.prog.consts:
        return ch.prog.types[id(ch.prog.consts[node.name])]
    if node.name in ch.prog.funcs:  # a function passed as a callback
        sig = ch.prog.funcs[node.name][1]
        return t.Arrow(tuple(typ for _, typ in sig.args), sig.results)
    if node.name in t.BUILT_IN:
        return t.BUILT_IN[node.name]
    raise ch.error(node.pos, f"unknown name '{node.name}'")


def _field(ch: Checker, node: ast.Field, scope: Scope) -> t.Type:
    base = ch.expr(node.base, scope)
    if isinstance(base, t.Struct):
        typ = base.field(node.name)
        if typ is None:
            raise ch.error(node.pos, f"{base} has no field '{node.name}'")
        return typ
    if node.name == "length" and isinstance(base, t.Collection):
        return t.U32
    raise ch.error(node.pos, f"{base} has no field '{node.name}'")


def _collection(ch: Checker, node: ast.ArrayLit | ast.OptionLit, scope: Scope) -> t.Type:
    if isinstance(node, ast.OptionLit) and len(node.items) > 1:
        raise ch.error(node.pos, "an option holds at most one value")
    if not node.items:
        return t.Nil()
    elem = ch.expr(node.items[0], scope)
    for item in node.items[1:]:
        ch.expect(item, scope, elem, "every element of the array")
    return t.Option(elem) if isinstance(node, ast.OptionLit) else t.Array(elem)


def _struct(ch: Checker, node: ast.StructLit, scope: Scope) -> t.Type:
    if node.base is not None:
        struct = ch.expr(node.base, scope)
        if not isinstance(struct, t.Struct):
            raise ch.error(node.pos, f"'copy' makes a changed copy of a data value, not of {struct}")
    else:
        found = ch.prog.structs.get(node.name)
        if found is None:
            raise ch.error(node.pos, f"unknown data type '{node.name}'")
        struct = found
    given = dict(node.fields)
    for name, typ in struct.fields:
        if name not in given:
            if node.base is not None:
                continue  # a copy keeps it
            raise ch.error(node.pos, f"{struct.name} needs the field '{name}' ({typ})")
        ch.expect(given.pop(name), scope, typ, f"field '{name}' of {struct.name}")
    for name in given:
        raise ch.error(node.pos, f"{struct.name} has no field '{name}'")
    return struct


def _binop(ch: Checker, node: ast.BinOp, scope: Scope) -> t.Type:
    left = ch.expr(node.left, scope)
    right = ch.expr(node.right, scope)
    if node.op in ("&&", "||"):
        for side, typ in ((node.left, left), (node.right, right)):
            if typ != t.BOOL:
                raise ch.error(side.pos, f"'{node.op}' takes bool, but this is {typ}")
        return t.BOOL
    if node.op in _ARITH or node.op in _ORDER:
        for side, typ in ((node.left, left), (node.right, right)):
            if not t.is_number(typ):
                raise ch.error(side.pos, f"'{node.op}' takes numbers, but this is {typ}")
        if node.op in _ORDER:
            return t.BOOL
        return right if isinstance(left, t.Scalar) and left.name in t.LITERALS else left
    if not t.comparable(left, right):
        raise ch.error(node.pos, f"cannot compare {left} with {right}")
    return t.BOOL


def call_types(ch: Checker, call: ast.CallExpr, scope: Scope) -> tuple[t.Type, ...]:
    """The result types of `call`, after checking its arguments against the signature."""
    if call.service is not None:
        service = ch.prog.services.get(call.service)
        if service is None:
            raise ch.error(call.pos, f"unknown service '{call.service}'")
        sig = service.funcs.get(call.name)
        if sig is None:
            raise ch.error(call.pos, f"service {call.service} has no function '{call.name}'")
        label = f"{call.service}.{call.name}"
    elif isinstance(scope.get(call.name), t.Arrow):
        arrow = scope[call.name]
        assert isinstance(arrow, t.Arrow)
        sig = t.Signature(tuple((f"#{i + 1}", typ) for i, typ in enumerate(arrow.args)), arrow.results)
        label = call.name
    else:
        found = ch.prog.funcs.get(call.name)
        if found is None:
            raise ch.error(call.pos, f"unknown function '{call.name}' (functions must be declared "
                                     "before they are called)")
        sig = found[1]
        label = call.name
    if len(call.args) != len(sig.args):
        raise ch.error(call.pos, f"{label} takes {len(sig.args)} arguments, {len(call.args)} given")
    for arg, (name, typ) in zip(call.args, sig.args, strict=True):
        ch.expect(arg, scope, typ, f"argument '{name}' of {label}")
    return sig.results
