"""The Aqua parser: the tree it builds for each construct, and its errors with positions."""

from __future__ import annotations

import pytest

from edge_agent.aqua import ast
from edge_agent.aqua.errors import AquaError, Source
from edge_agent.aqua.parser import parse

HEADER = 'aqua M\n\nexport f\n\nservice Srv("srv"):\n    get(x: string) -> []string\n    put(p: P)\n\n'


def parse_text(text: str) -> ast.Module:
    return parse(Source("m.aqua", text))


def body(lines: str) -> tuple[ast.Stmt, ...]:
    module = parse_text(HEADER + "func f(xs: []string):\n" + lines)
    func = module.decls[-1]
    assert isinstance(func, ast.Func)
    return func.body


def test_header_exports_imports_and_declarations() -> None:
    module = parse_text('aqua M declares *\n\nexport f, g\nimport "x.aqua"\nimport a, b from "y.aqua"\n'
                        "data P:\n    x: u32\n    inner: []?string\nalias Id : string\nconst N = 3\n"
                        "service S:\n    f() -> ()\n")
    assert module.name == "M"
    assert module.exports == ("f", "g")
    assert [i.path for i in module.imports] == ["x.aqua", "y.aqua"]
    data, alias, const, service = module.decls
    assert isinstance(data, ast.Data) and [f.name for f in data.fields] == ["x", "inner"]
    inner = data.fields[1].type
    assert isinstance(inner, ast.ArrayType) and isinstance(inner.elem, ast.OptionType)
    assert isinstance(alias, ast.Alias) and alias.name == "Id"
    assert isinstance(const, ast.Const) and const.value == ast.Literal(3, const.value.pos)
    assert isinstance(service, ast.Service) and service.default_id is None
    assert service.funcs[0].results == ()


def test_service_and_function_signatures() -> None:
    module = parse_text(HEADER + "func f(a: string, b: *u32) -> string, ?u8:\n    <- a, nil\n")
    service, func = module.decls
    assert isinstance(service, ast.Service) and service.default_id == "srv"
    assert [f.name for f in service.funcs] == ["get", "put"]
    assert isinstance(func, ast.Func) and [a.name for a in func.args] == ["a", "b"]
    assert isinstance(func.args[1].type, ast.StreamType)
    assert len(func.results) == 2


def test_calls_assignments_streams_and_returns() -> None:
    stmts = body('    res: *string\n    a <- Srv.get("x")\n    res <<- a[0]\n    b = a!\n'
                 "    Srv.put(P(x = 1))\n    <- res\n")
    decl, call, push, assign, bare, ret = stmts
    assert isinstance(decl, ast.StreamDecl) and isinstance(decl.type, ast.StreamType)
    assert isinstance(call, ast.CallStmt) and call.targets == ("a",) and call.call.service == "Srv"
    assert isinstance(push, ast.Push) and isinstance(push.value, ast.Index)
    assert isinstance(assign, ast.Assign) and isinstance(assign.value, ast.Bang)
    assert isinstance(bare, ast.CallStmt) and bare.targets == ()
    assert isinstance(bare.call.args[0], ast.StructLit)
    assert isinstance(ret, ast.Return) and len(ret.values) == 1


def test_control_flow() -> None:
    stmts = body("    on xs[0] via xs[1] via xs[2]:\n        Srv.get(\"a\")\n    par Srv.get(\"b\")\n"
                 "    co on xs!:\n        Srv.get(\"c\")\n    for x <- xs par:\n        Srv.get(x)\n"
                 "    if xs.length == 2 && !true:\n        Srv.get(\"d\")\n"
                 "    else:\n        Srv.get(\"e\")\n"
                 "    try:\n        Srv.get(\"f\")\n    catch e:\n        Srv.get(e.message)\n"
                 "    otherwise:\n        Srv.get(\"g\")\n    join xs[1]\n")
    on, par_, co, for_, if_, try_, join = stmts
    assert isinstance(on, ast.On) and len(on.vias) == 2
    assert isinstance(par_, ast.Par) and isinstance(co, ast.Co) and isinstance(co.stmt, ast.On)
    assert isinstance(for_, ast.For) and for_.mode == "par" and for_.var == "x"
    assert isinstance(if_, ast.If) and if_.orelse is not None
    assert isinstance(if_.cond, ast.BinOp) and if_.cond.op == "&&"
    assert isinstance(if_.cond.right, ast.Not)
    assert isinstance(try_, ast.Try) and [h.name for h in try_.handlers] == ["e", None]
    assert isinstance(join, ast.Join)


def test_expressions_precedence_and_literals() -> None:
    (ret,) = parse_text("func f() -> []u32:\n    <- [1 + 2 * 3, -4, 5 ** 2]\n").decls[0].body  # type: ignore[union-attr]
    assert isinstance(ret, ast.Return)
    (array,) = ret.values
    assert isinstance(array, ast.ArrayLit)
    first = array.items[0]
    assert isinstance(first, ast.BinOp) and first.op == "+" and isinstance(first.right, ast.BinOp)
    assert array.items[1] == ast.Literal(-4, array.items[1].pos)
    (ret2,) = parse_text('func f() -> ?string:\n    <- ?["x"]\n').decls[0].body  # type: ignore[union-attr]
    assert isinstance(ret2, ast.Return) and isinstance(ret2.values[0], ast.OptionLit)


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    ("func f(, a: u8):\n    <- 1\n", 1, 8, "expected a name, found ','"),
    ("func f()\n    Srv.get()\n", 1, 9, "expected ':' and an indented block, found the end of line"),
    ("func f():\nSrv.get()\n", 2, 1, "expected an indented block"),
    ("funk f():\n", 1, 1, "expected a declaration"),
    ("func f():\n    x <- \n", 2, 10, "expected a value, found the end of line"),
    ("func f():\n    x\n", 2, 5, "this value is not used"),
    ("func f():\n    else:\n        x()\n", 2, 5, "'else' must follow the block it belongs to"),
    ("func f():\n    try:\n        x()\n    y()\n", 4, 5, "expected 'catch e:' or 'otherwise:'"),
    ("func f():\n    parseq x <- xs:\n        y()\n", 2, 19, "expected 'on' and the peer"),
    ("ability A:\n    f() -> ()\n", 1, 1, "abilities are not supported yet"),
    ("func f(cb: (string) -> u32):\n    cb()\n", 1, 12, "written A, B -> R, without parentheses"),
    ("func f(cb: string -> u32 -> u8):\n    cb()\n", 1, 26, "expected ',' or ')', found '->'"),
    ("func f():\n    a, b = g()\n", 2, 5, "'=' gives one name a value"),
    ("func f():\n    c = func s: string:\n        g()\n", 2, 14, "expected '(' and the closure's arguments"),
    ("func f():\n    c = (s: string) -> string\n", 2, 30, "expected ':' and an indented block"),
    ("func f():\n    if a:\n        b()\n    else if c:\n        d()\n", 4, 10, "'else if' is not Aqua"),
    ('func f():\n    on "p" via:\n        b()\n', 2, 15, "expected a value, found ':'"),
])
def test_errors_name_position_and_expectation(text: str, line: int, col: int, message: str) -> None:
    with pytest.raises(AquaError) as info:
        parse_text(text)
    assert (info.value.pos.line, info.value.pos.col) == (line, col), str(info.value)
    assert message in info.value.message


def test_error_text_shows_the_line_and_a_caret() -> None:
    with pytest.raises(AquaError) as info:
        parse_text("func f():\n    x <- Srv.get(]\n")
    assert str(info.value) == ("m.aqua:2:18: expected a value, found ']'\n"
                               "        x <- Srv.get(]\n"
                               "                     ^")


@pytest.mark.parametrize(("text", "message"), [
    ('import a, b "x.aqua"\n', "expected 'from'"),
    ("func f():\n    x <- g() h\n", "expected the end of the line, found 'h'"),
    ("func f():\n    on p:\n  x()\n", "this indentation matches no enclosing block"),
])
def test_more_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(AquaError, match=message):
        parse_text(text)
