"""Statements of an Aqua function body, checked on behalf of edge_agent.aqua.checker.

Names bound in an `on` block, or by a `par`/`co` statement, stay visible after it; names
bound inside `for`, `if` and `try` blocks do not. `<-` returns come last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from edge_agent.aqua import ast
from edge_agent.aqua import types as t
from edge_agent.aqua.checker_expr import call_types

if TYPE_CHECKING:
    from edge_agent.aqua.checker import Checker

Scope = dict[str, t.Type]
_PEER = t.STRING


def check_function(ch: Checker, func: ast.Func | ast.Closure, sig: t.Signature,
                   outer: Scope | None = None) -> None:
    """Check `func`'s body against `sig`; a function with results must end with `<-`.
    A closure's body also sees the names of the `outer` scope it is defined in."""
    scope: Scope = {**(outer or {}), **dict(sig.args)}
    _block(ch, func.body, scope, sig)
    if sig.results and not isinstance(func.body[-1], ast.Return):
        raise ch.error(func.body[-1].pos, f"{func.name} must end with '<-' and its "
                                          f"{len(sig.results)} return value(s)")


def _block(ch: Checker, body: tuple[ast.Stmt, ...], scope: Scope, sig: t.Signature) -> None:
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.Return) and i != len(body) - 1:
            raise ch.error(stmt.pos, "'<-' returns must be the last statement")
        _stmt(ch, stmt, scope, sig)


def _bind(ch: Checker, scope: Scope, name: str, typ: t.Type, pos: ast.Pos) -> None:
    if name in scope:
        raise ch.error(pos, f"'{name}' is already defined: choose another name")
    scope[name] = typ


def _stmt(ch: Checker, stmt: ast.Stmt, scope: Scope, sig: t.Signature) -> None:  # noqa: C901
    if isinstance(stmt, ast.CallStmt):
        results = call_types(ch, stmt.call, scope)
        if stmt.targets and len(stmt.targets) != len(results):
            raise ch.error(stmt.pos, f"this call gives {len(results)} values, but "
                                     f"{len(stmt.targets)} names take them")
        for name, typ in zip(stmt.targets, results, strict=False):  # no targets: results dropped
            target = scope.get(name)
            if isinstance(target, t.Stream):  # `s <- f()` with s a stream pushes the result
                if not t.assignable(typ, target.elem):
                    raise ch.error(stmt.pos, f"{name} holds {target.elem}, but this call gives {typ}")
                continue
            _bind(ch, scope, name, typ, stmt.pos)
    elif isinstance(stmt, ast.ServiceId):
        if stmt.service not in ch.prog.services:
            raise ch.error(stmt.pos, f"unknown service '{stmt.service}'")
        ch.expect(stmt.id, scope, t.STRING, f"the id of service {stmt.service}")
    elif isinstance(stmt, ast.Assign):
        typ = ch.expr(stmt.value, scope)
        if isinstance(typ, t.Arrow):
            raise ch.error(stmt.pos, "an arrow (callback) can only be called or passed to a func, "
                                     "not given a new name")
        _bind(ch, scope, stmt.name, typ, stmt.pos)
    elif isinstance(stmt, ast.StreamDecl):
        typ = ch.resolve(stmt.type)
        if not isinstance(typ, t.Stream):
            raise ch.error(stmt.pos, f"only streams are declared without a value; {typ} is not a stream")
        ch.prog.types[id(stmt)] = typ
        _bind(ch, scope, stmt.name, typ, stmt.pos)
    elif isinstance(stmt, ast.Push):
        target = scope.get(stmt.stream)
        if not isinstance(target, t.Stream):
            raise ch.error(stmt.pos, f"'{stmt.stream}' is not a stream: declare it with '{stmt.stream}: *T'")
        ch.expect(stmt.value, scope, target.elem, f"a value pushed to {stmt.stream}")
    elif isinstance(stmt, ast.On):
        ch.expect(stmt.peer, scope, _PEER, "the peer of 'on'")
        for via in stmt.vias:
            ch.expect(via, scope, t.Array(_PEER), "a 'via' relay") if isinstance(
                ch.expr(via, scope), t.Collection) else ch.expect(via, scope, _PEER, "a 'via' relay")
        _block(ch, stmt.body, scope, sig)
    elif isinstance(stmt, (ast.Par, ast.Co)):
        _stmt(ch, stmt.stmt, scope, sig)
    elif isinstance(stmt, ast.For):
        _for(ch, stmt, scope, sig)
    elif isinstance(stmt, ast.If):
        ch.expect(stmt.cond, scope, t.BOOL, "the condition of 'if'")
        _block(ch, stmt.then, dict(scope), sig)
        if stmt.orelse is not None:
            _block(ch, stmt.orelse, dict(scope), sig)
    elif isinstance(stmt, ast.Try):
        _block(ch, stmt.body, dict(scope), sig)
        for handler in stmt.handlers:
            inner = dict(scope)
            if handler.name is not None:
                inner[handler.name] = t.ERROR
            _block(ch, handler.body, inner, sig)
    elif isinstance(stmt, ast.Join):
        for value in stmt.values:
            ch.expr(value, scope)
    elif isinstance(stmt, ast.Closure):
        _closure(ch, stmt, scope)
    else:
        _return(ch, stmt, scope, sig)


def _closure(ch: Checker, stmt: ast.Closure, scope: Scope) -> None:
    sig = ch.signature(stmt.args, stmt.results, callbacks=True)
    check_function(ch, stmt, sig, scope)
    arrow = t.Arrow(tuple(typ for _, typ in sig.args), sig.results)
    ch.prog.types[id(stmt)] = arrow
    _bind(ch, scope, stmt.name, arrow, stmt.pos)


def _for(ch: Checker, stmt: ast.For, scope: Scope, sig: t.Signature) -> None:
    iterable = ch.expr(stmt.iterable, scope)
    if not isinstance(iterable, t.Collection):
        raise ch.error(stmt.iterable.pos, f"'for' iterates over an array, option or stream, not {iterable}")
    inner = dict(scope)
    inner[stmt.var] = iterable.elem
    _block(ch, stmt.body, inner, sig)


def _return(ch: Checker, stmt: ast.Return, scope: Scope, sig: t.Signature) -> None:
    if len(stmt.values) != len(sig.results):
        raise ch.error(stmt.pos, f"the function returns {len(sig.results)} value(s), "
                                 f"but {len(stmt.values)} are given")
    for value, typ in zip(stmt.values, sig.results, strict=True):
        ch.expect(value, scope, typ, "the return value")
