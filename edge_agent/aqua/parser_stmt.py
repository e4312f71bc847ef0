"""Statements and expressions of Aqua, parsed on behalf of edge_agent.aqua.parser.

Functions over a Parser `p` rather than methods, so that the declaration parser and this
one stay small. Same contract: syntax only, AquaError on the first mistake.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from edge_agent.aqua import ast
from edge_agent.aqua.errors import Pos
from edge_agent.aqua.lexer import Kind, Token

if TYPE_CHECKING:
    from edge_agent.aqua.parser import Parser

_NOT_YET_STMT = {
    "use": "'use' belongs at the top of the file: use \"file.aqua\" as Name",
    "new": "'new' is not a statement of Aqua 0.14 (Fluence's compiler refuses it too)",
    "fail": "'fail' is not a statement of Aqua 0.14 (Fluence's compiler refuses it too): "
            "a failing service call raises an error",
}


def statement(p: Parser) -> ast.Stmt:
    """One statement, with its NEWLINE or its indented block."""
    tok = p.tok
    if tok.kind is Kind.NAME:
        keyword = _KEYWORDS.get(tok.text)
        if keyword is not None:
            return keyword(p)
        if tok.text in _NOT_YET_STMT:
            raise p.error(tok, _NOT_YET_STMT[tok.text])
        return _name_statement(p)
    if p.at_op("<-"):
        p.advance()
        values = _expr_list(p)
        p.expect_newline()
        return ast.Return(values, tok.pos)
    raise p.expected("a statement")


def _expr_list(p: Parser) -> tuple[ast.Expr, ...]:
    values = [expr(p)]
    while p.accept_op(","):
        values.append(expr(p))
    return tuple(values)


def _name_statement(p: Parser) -> ast.Stmt:
    tok = p.tok
    nxt = p.peek()
    if nxt.kind is Kind.OP and nxt.text == ":":
        p.advance()
        p.advance()
        type_ = p.type_()
        p.expect_newline()
        return ast.StreamDecl(tok.text, type_, tok.pos)
    if nxt.kind is Kind.OP and nxt.text == "<<-":
        p.advance()
        p.advance()
        value = expr(p)
        p.expect_newline()
        return ast.Push(tok.text, value, tok.pos)
    if nxt.kind is Kind.OP and nxt.text in ("<-", ",", "="):
        return _assignment(p)
    if tok.text[:1].isupper() and nxt.kind in (Kind.STRING, Kind.NAME) and nxt.pos.line == tok.pos.line:
        p.advance()
        service_id = expr(p)
        p.expect_newline()
        return ast.ServiceId(tok.text, service_id, tok.pos)
    value = expr(p)
    p.expect_newline()
    if not isinstance(value, ast.CallExpr):
        raise p.error(tok, "this value is not used: assign it with 'x <- ...' or call a function")
    return ast.CallStmt((), value, tok.pos)


def _at_closure(p: Parser) -> bool:
    """At `func (...)` or `(args) -> ...:` after `name =`: a closure."""
    if p.at_word("func"):
        return True
    if not p.at_op("("):
        return False
    after = p.peek()
    if after.kind is Kind.OP and after.text == ")":
        return True  # `()` is no value
    second = p.peek(2)
    return after.kind is Kind.NAME and second.kind is Kind.OP and second.text == ":"


def _assignment(p: Parser) -> ast.Stmt:
    start = p.tok
    names = p.name_list()
    if p.accept_op("="):
        if len(names) != 1:
            raise p.error(start, "'=' gives one name a value: write 'a, b <- f()' for several")
        if _at_closure(p):
            where_called = p.at_word("func")
            if where_called:
                p.advance()
            p.expect_op("(", "'(' and the closure's arguments")
            args = p.separated(p.arg, ")")
            results = p.results()
            return ast.Closure(names[0], args, results, p.block(), where_called, start.pos)
        value = expr(p)
        p.expect_newline()
        return ast.Assign(names[0], value, start.pos)
    p.expect_op("<-", "'<-'")
    value = expr(p)
    p.expect_newline()
    if isinstance(value, ast.CallExpr):
        return ast.CallStmt(tuple(names), value, start.pos)
    if len(names) != 1:
        raise p.error(start, "only a function call gives several values")
    return ast.Assign(names[0], value, start.pos)


def _on(p: Parser) -> ast.Stmt:
    start = p.advance()
    peer = expr(p)
    vias: list[ast.Expr] = []
    while p.at_word("via"):
        p.advance()
        vias.append(expr(p))
    return ast.On(peer, tuple(vias), p.block(), start.pos)


def _par(p: Parser) -> ast.Stmt:
    start = p.advance()
    return ast.Par(statement(p), start.pos)


def _co(p: Parser) -> ast.Stmt:
    start = p.advance()
    return ast.Co(statement(p), start.pos)


def _for(p: Parser) -> ast.Stmt:
    start = p.advance()
    var = p.expect_name("the loop variable").text
    p.expect_op("<-", "'<-' and what to iterate over")
    iterable = expr(p)
    mode = "seq"
    if p.at(Kind.NAME) and p.tok.text in ("par", "try", "seq", "rec"):
        mode = p.advance().text
    elif p.at_word("on"):
        raise p.error(p.tok, "'for ... on' is not Aqua 0.14 (Fluence's compiler refuses it too): "
                             "put 'on' inside the loop, or write 'parseq x <- xs on PEER:'")
    return ast.For(var, iterable, mode, p.block(), start.pos)


def _parseq(p: Parser) -> ast.Stmt:
    """`parseq x <- xs on PEER:`: the body runs on PEER for every x, all in parallel."""
    start = p.advance()
    var = p.expect_name("the loop variable").text
    p.expect_op("<-", "'<-' and what to iterate over")
    iterable = expr(p)
    if not p.at_word("on"):
        raise p.expected("'on' and the peer each iteration runs on")
    on_tok = p.advance()
    peer = expr(p)
    body = ast.On(peer, (), p.block(), on_tok.pos)
    return ast.For(var, iterable, "parseq", (body,), start.pos)


def _if(p: Parser) -> ast.Stmt:
    start = p.advance()
    cond = expr(p)
    then = p.block()
    orelse = None
    if p.at_word("else"):
        p.advance()
        if p.at_word("if"):
            raise p.error(p.tok, "'else if' is not Aqua: put the 'if' inside the 'else:' block")
        orelse = p.block()
    return ast.If(cond, then, orelse, start.pos)


def _try(p: Parser) -> ast.Stmt:
    start = p.advance()
    body = p.block()
    handlers: list[ast.Catch] = []
    while p.at_word("catch") or p.at_word("otherwise"):
        tok = p.advance()
        name = p.expect_name("a name for the error").text if tok.text == "catch" else None
        handlers.append(ast.Catch(name, p.block(), tok.pos))
    if not handlers:
        raise p.expected("'catch e:' or 'otherwise:' after the 'try' block")
    return ast.Try(body, tuple(handlers), start.pos)


def _join(p: Parser) -> ast.Stmt:
    start = p.advance()
    values = _expr_list(p)
    p.expect_newline()
    return ast.Join(values, start.pos)


def _misplaced(p: Parser) -> ast.Stmt:
    raise p.error(p.tok, f"'{p.tok.text}' must follow the block it belongs to")


_KEYWORDS: dict[str, Callable[[Parser], ast.Stmt]] = {
    "on": _on, "par": _par, "parseq": _parseq, "co": _co, "for": _for, "if": _if, "try": _try,
    "join": _join, "else": _misplaced, "catch": _misplaced, "otherwise": _misplaced,
}

# ---------------------------------------------------------------- expressions


def expr(p: Parser) -> ast.Expr:
    """An expression: or > and > not > comparison > + - > * / % > ** > postfix > atom."""
    return _binary(p, 0)


_LEVELS: tuple[tuple[str, ...], ...] = (("||",), ("&&",), ("==", "!=", "<", "<=", ">", ">="),
                                        ("+", "-"), ("*", "/", "%"), ("**",))


def _binary(p: Parser, level: int) -> ast.Expr:
    if level == len(_LEVELS):
        return _unary(p)
    left = _binary(p, level + 1)
    if p.at_word("and") or p.at_word("or"):
        raise p.error(p.tok, f"Aqua writes '{p.tok.text}' as '{'&&' if p.tok.text == 'and' else '||'}'")
    ops = _LEVELS[level]
    while p.tok.text in ops and p.tok.kind in (Kind.OP, Kind.NAME):
        tok = p.advance()
        right = _binary(p, level + 1)
        left = ast.BinOp(tok.text, left, right, tok.pos)
    return left


def _unary(p: Parser) -> ast.Expr:
    if p.at_op("!"):
        tok = p.advance()
        return ast.Not(_unary(p), tok.pos)
    if p.at_op("-") and p.peek().kind is Kind.NUMBER:
        tok = p.advance()
        number = _number(p.advance().text)
        return ast.Literal(-number, tok.pos)
    return _postfix(p, _atom(p))


def _postfix(p: Parser, value: ast.Expr) -> ast.Expr:
    while True:
        tok = p.tok
        if p.accept_op("."):
            name = p.expect_name("a field name after '.'").text
            if name == "copy" and p.accept_op("("):
                value = ast.StructLit("", p.separated(lambda: _struct_field(p), ")"), tok.pos, value)
            else:
                value = ast.Field(value, name, tok.pos)
        elif p.at_op("[") and tok.pos.line == p.tokens[p.i - 1].pos.line:
            p.advance()
            index = expr(p)
            p.expect_op("]")
            value = ast.Index(value, index, tok.pos)
        elif p.accept_op("!"):
            after = p.tok
            if after.kind is Kind.NUMBER and after.pos == Pos(tok.pos.line, tok.pos.col + 1):
                p.advance()  # `xs!2`: Fluence's way of writing xs[2]
                value = ast.Index(value, ast.Literal(_number(after.text), after.pos), tok.pos)
            else:
                value = ast.Bang(value, tok.pos)
        else:
            return value


def _number(text: str) -> int | float:
    if "." in text or "e" in text or "E" in text:
        return float(text)
    return int(text)


def _atom(p: Parser) -> ast.Expr:
    tok = p.tok
    if tok.kind is Kind.NUMBER:
        p.advance()
        return ast.Literal(_number(tok.text), tok.pos)
    if tok.kind is Kind.STRING:
        p.advance()
        return ast.Literal(tok.text, tok.pos)
    if tok.kind is Kind.NAME:
        return _name_atom(p)
    if p.accept_op("["):
        return ast.ArrayLit(p.separated(lambda: expr(p), "]"), tok.pos)
    if p.accept_op("?"):
        p.expect_op("[", "'[' (an option is written ?[x])")
        return ast.OptionLit(p.separated(lambda: expr(p), "]"), tok.pos)
    if p.accept_op("("):
        inner = expr(p)
        p.expect_op(")")
        return inner
    raise p.expected("a value")


def _name_atom(p: Parser) -> ast.Expr:
    tok = p.advance()
    if tok.text in ("true", "false"):
        return ast.Literal(tok.text == "true", tok.pos)
    if tok.text == "nil":
        return ast.Nil(tok.pos)
    if tok.text == "not":
        raise p.error(tok, "Aqua writes 'not' as '!'")
    if p.at_op("("):
        p.advance()
        if tok.text[:1].isupper():
            return ast.StructLit(tok.text, p.separated(lambda: _struct_field(p), ")"), tok.pos)
        return ast.CallExpr(None, tok.text, p.separated(lambda: expr(p), ")"), tok.pos)
    nxt, after = p.peek(), p.peek(2)
    if tok.text[:1].isupper() and p.at_op(".") and nxt.text[:1].isupper() and _qualified_ahead(p):
        return _qualified(p, tok)
    if (tok.text[:1].isupper() and p.at_op(".") and nxt.kind is Kind.NAME
            and after.kind is Kind.OP and after.text == "("):
        p.advance()
        name = p.advance().text
        p.advance()
        return ast.CallExpr(tok.text, name, p.separated(lambda: expr(p), ")"), tok.pos)
    return ast.Var(tok.text, tok.pos)


def _struct_field(p: Parser) -> tuple[str, ast.Expr]:
    name = p.expect_name("a field name").text
    p.expect_op("=", "'=' and the field's value")
    return name, expr(p)


def _qualified_ahead(p: Parser) -> bool:
    """At `.Name` after `Module`: `Module.Name(` (a used struct) or `Module.Srv.f(` follows."""
    nxt, after = p.peek(), p.peek(2)
    if nxt.kind is not Kind.NAME or after.kind is not Kind.OP:
        return False
    return after.text == "(" or (after.text == "." and p.peek(3).kind is Kind.NAME
                                 and p.peek(4).kind is Kind.OP and p.peek(4).text == "(")


def _qualified(p: Parser, module: Token) -> ast.Expr:
    """`Module.Struct(field = ...)` or `Module.Srv.f(args)`, names of a used module."""
    p.advance()
    name = f"{module.text}.{p.advance().text}"
    if p.accept_op("("):
        return ast.StructLit(name, p.separated(lambda: _struct_field(p), ")"), module.pos)
    p.advance()
    func = p.advance().text
    p.expect_op("(")
    return ast.CallExpr(name, func, p.separated(lambda: expr(p), ")"), module.pos)
