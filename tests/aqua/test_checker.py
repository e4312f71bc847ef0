"""The Aqua type checker: what it accepts, and errors that name both types."""

from __future__ import annotations

import re

import pytest

from edge_agent.aqua import AquaError, load
from edge_agent.aqua import types as t

DECLS = ('data P:\n    x: u32\n    name: string\n\nservice Srv("srv"):\n    get(s: string) -> []string\n'
         "    num(n: u32) -> u64\n    put(p: P)\n\n")


def check_body(lines: str, signature: str = "(xs: []string, n: u8, p: P) -> string") -> None:
    load(DECLS + f"func f{signature}:\n" + lines, "c.aqua")


def test_accepts_a_well_typed_function() -> None:
    check_body("    res: *string\n    ys <- Srv.get(p.name)\n    for y <- ys:\n        res <<- y\n"
               "    m <- Srv.num(n)\n    Srv.put(P(x = 7, name = ys!))\n    if ys.length == 2:\n"
               "        res <<- xs[0]\n    <- res!")


def test_records_expression_types() -> None:
    _, prog = load(DECLS + "func f(xs: []string) -> u32:\n    <- xs.length\n")
    func = prog.funcs["f"][0]
    ret = func.body[0]
    assert prog.type_of(ret.values[0]) == t.U32  # type: ignore[union-attr]


@pytest.mark.parametrize(("lines", "line", "message"), [
    ("    <- zz\n", 11, "unknown name 'zz'"),
    ("    x <- Srv.get(n)\n    <- \"a\"\n", 11, "argument 's' of Srv.get must be string, but this is u8"),
    ("    x <- Srv.num(-1)\n    <- \"a\"\n", 11, None),
    ("    x <- Srv.nope()\n    <- \"a\"\n", 11, "service Srv has no function 'nope'"),
    ("    x <- Nope.get()\n    <- \"a\"\n", 11, "unknown service 'Nope'"),
    ("    x <- Srv.get()\n    <- \"a\"\n", 11, "Srv.get takes 1 arguments, 0 given"),
    ("    <- n\n", 11, "the return value must be string, but this is u8"),
    ("    <- p.nope\n", 11, "P has no field 'nope'"),
    ("    <- xs[\"a\"]\n", 11, "an index must be an integer, but this is string"),
    ("    xs <<- \"a\"\n    <- \"a\"\n", 11, "'xs' is not a stream"),
    ("    Srv.put(P(x = 1))\n    <- \"a\"\n", 11, "P needs the field 'name' (string)"),
    ("    Srv.put(P(x = \"1\", name = \"a\"))\n    <- \"a\"\n", 11,
     "field 'x' of P must be u32, but this is string"),
    ("    if n == \"a\":\n        Srv.put(p)\n    <- \"a\"\n", 11, "cannot compare u8 with string"),
    ("    if n:\n        Srv.put(p)\n    <- \"a\"\n", 11,
     "the condition of 'if' must be bool, but this is u8"),
    ("    for x <- n:\n        Srv.put(p)\n    <- \"a\"\n", 11,
     "'for' iterates over an array, option or stream"),
    ("    <- \"a\", \"b\"\n", 11, "the function returns 1 value(s), but 2 are given"),
    ("    Srv.put(p)\n", 11, "f must end with '<-'"),
    ("    <- \"a\"\n    Srv.put(p)\n", 11, "'<-' returns must be the last statement"),
    ("    n <- Srv.num(1)\n    <- \"a\"\n", 11, "'n' is already defined"),
    ("    x: []string\n    <- \"a\"\n", 11, "only streams are declared without a value"),
    ("    on n:\n        Srv.put(p)\n    <- \"a\"\n", 11, "the peer of 'on' must be string, but this is u8"),
])
def test_type_errors(lines: str, line: int, message: str | None) -> None:
    if message is None:  # a negative literal does not fit u32
        with pytest.raises(AquaError, match="must be u32"):
            check_body(lines)
        return
    with pytest.raises(AquaError) as info:
        check_body(lines)
    assert info.value.pos.line == line
    assert message in info.value.message


@pytest.mark.parametrize(("text", "message"), [
    ("func f(x: Nope):\n    Srv.put(x)\n", "unknown type 'Nope'"),
    ("func f():\n    g()\n\nfunc g():\n    Srv.put(P(x = 1, name = \"a\"))\n", "unknown function 'g'"),
    ('import "@fluencelabs/aqua-lib/nope.aqua"\n', "'@fluencelabs/aqua-lib/nope.aqua' is not bundled"),
    ('import "other.aqua"\n', "importing a file needs the importing file's path"),
    ("data P:\n    y: u8\n", "'P' is already declared"),
    ("export g\n", "'g' is exported but not declared"),
])
def test_declaration_errors(text: str, message: str) -> None:
    with pytest.raises(AquaError, match=message):
        load(DECLS + text)


@pytest.mark.parametrize(("src", "dst", "ok"), [
    (t.Scalar("u8"), t.Scalar("u32"), True), (t.Scalar("u32"), t.Scalar("u8"), False),
    (t.Scalar("u32"), t.Scalar("i64"), True), (t.Scalar("u64"), t.Scalar("i64"), False),
    (t.Scalar("i8"), t.Scalar("u64"), False), (t.Scalar("i32"), t.Scalar("f64"), True),
    (t.Stream(t.STRING), t.Array(t.STRING), True), (t.Array(t.STRING), t.Stream(t.STRING), False),
    (t.Option(t.STRING), t.Array(t.STRING), True), (t.Nil(), t.Option(t.U32), True),
    (t.Nil(), t.STRING, False), (t.STRING, t.Scalar("⊤"), True),
])
def test_assignable(src: t.Type, dst: t.Type, ok: bool) -> None:
    assert t.assignable(src, dst) is ok


@pytest.mark.parametrize(("lines", "message"), [
    ("    <- ?[xs[0], xs[1]]!\n", "an option holds at most one value"),
    ("    <- n[0]\n", "only an array, option or stream has elements; this is u8"),
    ("    <- Srv.put(p)\n", "this call gives 0 values where one value is expected"),
    ("    <- Q(x = 1)\n", "unknown data type 'Q'"),
    ("    x = p.x && true\n    <- \"a\"\n", "'&&' takes bool, but this is u32"),
    ("    x = p.name + 1\n    <- \"a\"\n", "'+' takes numbers, but this is string"),
    ("    s: *u8\n    s <- Srv.get(\"a\")\n    <- \"a\"\n", "s holds u8, but this call gives []string"),
    ("    a, b = xs\n    <- \"a\"\n", "'=' gives one name a value"),
    ("    a, b <- xs\n    <- \"a\"\n", "only a function call gives several values"),
    ("    a, b <- Srv.num(1)\n    <- \"a\"\n", "this call gives 1 values, but 2 names take them"),
])
def test_more_type_errors(lines: str, message: str) -> None:
    with pytest.raises(AquaError) as info:
        check_body(lines)
    assert message in info.value.message
    assert info.value.pos.line in (11, 12)  # the body starts on line 11


def test_exports_name_declared_functions() -> None:
    with pytest.raises(AquaError, match="'g' is exported but not declared in this file"):
        load("export g\n\nfunc f():\n    x = 1\n")


ARROWS = ("func shout(s: string) -> string:\n    <- s\n\n"
          "func apply(x: string, cb: string -> string) -> string:\n    r <- cb(x)\n    <- r\n\n")


@pytest.mark.parametrize(("body", "message"), [
    ("func f(x: string) -> string:\n    r <- apply(x, Srv.get)\n    <- r\n", "unknown name 'Srv'"),
    ("func f(n: u32) -> string:\n    r <- apply(\"a\", n)\n    <- r\n",
     "argument 'cb' of apply must be string -> string, but this is u32"),
    ("func g(n: u32) -> string:\n    <- \"a\"\n\nfunc f() -> string:\n    r <- apply(\"a\", g)\n    <- r\n",
     "argument 'cb' of apply must be string -> string, but this is u32 -> string"),
    ("func f(cb: string -> ()) -> string:\n    r <- cb(\"a\")\n    <- r\n", "this call gives 0 values"),
    ("func f(cb: string -> ()):\n    cb(1)\n", "argument '#1' of cb must be string, but this is number"),
    ("func f(cb: string -> ()):\n    c = cb\n", "can only be called or passed to a func"),
    ("func f() -> string -> string:\n    <- shout\n", "only supported as the type of a func's argument"),
    ("data D:\n    cb: string -> string\n", "only supported as the type of a func's argument"),
    ('service S("s"):\n    g(cb: string -> ())\n', "only supported as the type of a func's argument"),
    ("func f() -> string:\n    c = (s: string) -> string:\n        <- 1\n    r <- c(\"a\")\n    <- r\n",
     "the return value must be string, but this is number"),
    ("func f():\n    c = (s: string) -> string:\n        Srv.put(P(x = 1, name = s))\n",
     "c must end with '<-' and its 1 return value(s)"),
    ("func f(n: u32):\n    c = func (s: string):\n        Srv.put(P(x = 1, name = s))\n    c(n)\n",
     "argument '#1' of c must be string, but this is u32"),
    ("func f(c: string):\n    c = func ():\n        Srv.put(P(x = 1, name = \"a\"))\n",
     "'c' is already defined"),
    ("func f():\n    c = func (s: string):\n        Srv.put(P(x = 1, name = t))\n    t = \"a\"\n",
     "unknown name 't'"),
])
def test_arrow_errors(body: str, message: str) -> None:
    with pytest.raises(AquaError, match=re.escape(message)):
        load(DECLS + ARROWS + body, "c.aqua")


def test_arrow_types_print_as_aqua_writes_them() -> None:
    _, prog = load(DECLS + ARROWS + "func f(a: -> u32, b: string, []u8 -> (), c: string -> string):\n"
                   "    Srv.put(P(x = 1, name = \"a\"))\n")
    assert [str(typ) for _, typ in prog.funcs["f"][1].args] == [
        "() -> u32", "(string, []u8) -> ()", "string -> string"]
    assert t.assignable(t.Arrow((t.STRING,), (t.U32,)), t.Arrow((t.STRING,), (t.I64,)))
    assert not t.assignable(t.Arrow((t.STRING,), (t.U32,)), t.Scalar("⊤"))
