"""Parse Aqua tokens into the syntax tree of edge_agent.aqua.ast.

A recursive-descent parser over the lexer's tokens, one method per construct. It checks
syntax only; names and types are the type checker's business. Every error it raises is an
AquaError naming what was expected and what was found instead.
"""

from __future__ import annotations

from typing import Callable, TypeVar

from edge_agent.aqua import ast
from edge_agent.aqua.errors import AquaError, Pos, Source
from edge_agent.aqua.lexer import Kind, Token, tokenize
from edge_agent.aqua.parser_stmt import expr, statement

T = TypeVar("T")

_NOT_YET = {
    "ability": "abilities are not supported yet",
    "closure": "closures are not supported yet",
    "stream": "stream maps are not supported yet",
}


class Parser:
    """One parse of one source; `module()` is the entry point."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.i = 0

    # ------------------------------------------------------------ token helpers

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind is not Kind.END:
            self.i += 1
        return tok

    def error(self, tok: Token, message: str) -> AquaError:
        return AquaError(self.source, tok.pos, message)

    def expected(self, what: str) -> AquaError:
        return self.error(self.tok, f"expected {what}, found {self.tok.describe()}")

    def at(self, kind: Kind, text: str | None = None) -> bool:
        return self.tok.kind is kind and (text is None or self.tok.text == text)

    def at_op(self, text: str) -> bool:
        return self.at(Kind.OP, text)

    def at_word(self, text: str) -> bool:
        return self.at(Kind.NAME, text)

    def accept_op(self, text: str) -> bool:
        if self.at_op(text):
            self.advance()
            return True
        return False

    def expect_op(self, text: str, what: str | None = None) -> Token:
        if not self.at_op(text):
            raise self.expected(what or f"'{text}'")
        return self.advance()

    def expect_name(self, what: str) -> Token:
        if not self.at(Kind.NAME):
            raise self.expected(what)
        return self.advance()

    def expect_newline(self) -> None:
        if not self.at(Kind.NEWLINE):
            raise self.expected("the end of the line")
        self.advance()

    def separated(self, item: Callable[[], T], close: str) -> tuple[T, ...]:
        """Items separated by ',' up to (and consuming) the `close` symbol."""
        items: list[T] = []
        while not self.at_op(close):
            items.append(item())
            if not self.accept_op(","):
                break
        self.expect_op(close, f"',' or '{close}'")
        return tuple(items)

    # ------------------------------------------------------------ module and declarations

    def module(self) -> ast.Module:
        name = None
        exports: list[str] = []
        imports: list[ast.Import] = []
        decls: list[ast.Decl] = []
        renames: list[tuple[str, str, Pos]] = []
        if self.at_word("aqua") or self.at_word("module"):
            self.advance()
            name = self.dotted_name()
            while not self.at(Kind.NEWLINE):
                self.advance()  # `declares *` and the like: nothing to do for a single file
            self.expect_newline()
        while not self.at(Kind.END):
            if self.at_word("export"):
                self.advance()
                exports.extend(self.export_list(renames))
                self.expect_newline()
            elif self.at_word("import") or self.at_word("use"):
                imports.append(self.import_())
            else:
                decls.append(self.declaration())
        return ast.Module(name, tuple(exports), tuple(imports), tuple(decls), tuple(renames))

    def export_list(self, renames: list[tuple[str, str, Pos]]) -> list[str]:
        """`f, g as h`: the names exported; `as` adds (new name, old name) to `renames`."""
        names: list[str] = []
        while True:
            tok = self.expect_name("a name")
            if self.at_word("as"):
                self.advance()
                alias = self.expect_name("the name to export it as").text
                renames.append((alias, tok.text, tok.pos))
                names.append(alias)
            else:
                names.append(tok.text)
            if not self.accept_op(","):
                return names

    def dotted_name(self) -> str:
        parts = [self.expect_name("a module name").text]
        while self.accept_op("."):
            parts.append(self.expect_name("a module name").text)
        return ".".join(parts)

    def name_list(self) -> list[str]:
        names = [self.expect_name("a name").text]
        while self.accept_op(","):
            names.append(self.expect_name("a name").text)
        return names

    def import_(self) -> ast.Import:
        """`import "file.aqua"`, `import a, b from "file.aqua"`; and, at `use`, `use "file.aqua"
        [as Name]`, `use a, b from "file.aqua" [as Name]`."""
        start = self.advance()
        use = start.text == "use"
        if self.at(Kind.NAME):
            self.name_list()
            if not self.at_word("from"):
                raise self.expected("'from'")
            self.advance()
        if not self.at(Kind.STRING):
            raise self.expected('the module to use, as a string: use "file.aqua" as Name' if use else
                                'the file to import, as a string: import "file.aqua"')
        path = self.advance().text
        alias = None
        if use and self.at_word("as"):
            self.advance()
            alias = self.dotted_name()
        self.expect_newline()
        return ast.Import(path, start.pos, alias, use)

    def declaration(self) -> ast.Decl:
        tok = self.tok
        if tok.kind is Kind.NAME and tok.text in _NOT_YET:
            raise self.error(tok, _NOT_YET[tok.text])
        table: dict[str, Callable[[], ast.Decl]] = {
            "service": self.service, "data": self.data, "alias": self.alias,
            "const": self.const, "func": self.func,
        }
        if tok.kind is not Kind.NAME or tok.text not in table:
            raise self.expected("a declaration (func, service, data, alias, const, export or import)")
        return table[tok.text]()

    def service(self) -> ast.Service:
        start = self.advance()
        name = self.expect_name("the service's name").text
        default_id = None
        if self.accept_op("("):
            if not self.at(Kind.STRING):
                raise self.expected('the default service id, as a string')
            default_id = self.advance().text
            self.expect_op(")")
        funcs = self.indented(self.service_func, "':' and the service's functions")
        return ast.Service(name, default_id, funcs, start.pos)

    def service_func(self) -> ast.ServiceFunc:
        tok = self.expect_name("a function name")
        self.expect_op("(", "'(' and the function's arguments")
        args = self.separated(self.arg, ")")
        results = self.results()
        self.expect_newline()
        return ast.ServiceFunc(tok.text, args, results, tok.pos)

    def results(self) -> tuple[ast.TypeRef, ...]:
        if not self.accept_op("->"):
            return ()
        if self.at_op("(") and self.peek().text == ")":
            self.advance()
            self.advance()
            return ()
        types = [self.type_()]
        while self.accept_op(","):
            types.append(self.type_())
        return tuple(types)

    def indented(self, item: Callable[[], T], what: str) -> tuple[T, ...]:
        """`:` NEWLINE INDENT item+ DEDENT."""
        self.expect_op(":", what)
        self.expect_newline()
        if not self.at(Kind.INDENT):
            raise self.expected("an indented block")
        self.advance()
        items: list[T] = []
        while not self.at(Kind.DEDENT) and not self.at(Kind.END):
            items.append(item())
        self.advance()
        return tuple(items)

    def data(self) -> ast.Data:
        start = self.advance()
        name = self.expect_name("the data type's name").text

        def field() -> ast.Arg:
            arg = self.arg()
            self.expect_newline()
            return arg

        return ast.Data(name, self.indented(field, "':' and the fields"), start.pos)

    def alias(self) -> ast.Alias:
        start = self.advance()
        name = self.expect_name("the alias's name").text
        self.expect_op(":")
        type_ = self.type_()
        self.expect_newline()
        return ast.Alias(name, type_, start.pos)

    def const(self) -> ast.Const:
        start = self.advance()
        name = self.expect_name("the constant's name").text
        if not (self.accept_op("=") or (self.at_op("?") and self.peek().text == "=")):
            raise self.expected("'='")
        self.accept_op("=")
        value = expr(self)
        self.expect_newline()
        return ast.Const(name, value, start.pos)

    def func(self) -> ast.Func:
        start = self.advance()
        name = self.expect_name("the function's name").text
        if self.at_op("{"):
            raise self.error(self.tok, "abilities are not supported yet (func f{Ability})")
        self.expect_op("(", "'(' and the function's arguments")
        args = self.separated(self.arg, ")")
        results = self.results()
        body = self.block()
        return ast.Func(name, args, results, body, start.pos)

    def arg(self) -> ast.Arg:
        tok = self.expect_name("a name")
        self.expect_op(":", "':' and a type")
        return ast.Arg(tok.text, self.type_(), tok.pos)

    def type_(self) -> ast.TypeRef:
        """A type; arrow (callback) types are `A, B -> R`, `-> R`, `A -> ()`, as Fluence's 0.14
        writes them."""
        tok = self.tok
        if self.at_op("->"):
            return ast.ArrowType((), self.arrow_results(), tok.pos)
        if self.at_op("("):
            raise self.error(tok, "an arrow (callback) type is written A, B -> R, without parentheses")
        first = self.plain_type()
        if not self.at_op("->") and not (self.at_op(",") and self.arrow_ahead()):
            return first
        args = [first]
        while self.accept_op(","):
            args.append(self.plain_type())
        return ast.ArrowType(tuple(args), self.arrow_results(), tok.pos)

    def plain_type(self) -> ast.TypeRef:
        tok = self.tok
        if self.accept_op("["):
            self.expect_op("]", "']' (an array type is written []T)")
            return ast.ArrayType(self.plain_type(), tok.pos)
        if self.accept_op("?"):
            return ast.OptionType(self.plain_type(), tok.pos)
        if self.accept_op("*"):
            return ast.StreamType(self.plain_type(), tok.pos)
        if self.at_op("%"):
            raise self.error(tok, "stream maps (%T) are not Aqua 0.14 (Fluence's compiler refuses them too)")
        if self.at_op("⊤") or self.at_op("⊥"):
            return ast.NamedType(self.advance().text, tok.pos)
        name = self.expect_name("a type").text
        while self.at_op(".") and self.peek().kind is Kind.NAME:  # a used module's `Name.Type`
            self.advance()
            name += "." + self.advance().text
        return ast.NamedType(name, tok.pos)

    def arrow_results(self) -> tuple[ast.TypeRef, ...]:
        self.expect_op("->")
        if self.at_op("(") and self.peek().text == ")":
            self.advance()
            self.advance()
            return ()
        return (self.plain_type(),)

    def arrow_ahead(self) -> bool:
        """At ',' after a type: whether more argument types and '->' follow (`A, B -> R`),
        rather than the next argument (`name: T`) or result."""
        ahead = 1
        while True:
            tok = self.peek(ahead)
            if tok.kind is Kind.NAME:
                after = self.peek(ahead + 1)
                if after.kind is Kind.OP and after.text == ":":
                    return False
            elif tok.kind is not Kind.OP or tok.text not in ("[", "]", "?", "*", "⊤", "⊥", ","):
                return tok.kind is Kind.OP and tok.text == "->"
            ahead += 1

    # ------------------------------------------------------------ statements: parser_stmt.py

    def block(self) -> tuple[ast.Stmt, ...]:
        return self.indented(lambda: statement(self), "':' and an indented block")


def parse(source: Source) -> ast.Module:
    """The syntax tree of `source`; raises AquaError at the first syntax error."""
    return Parser(source).module()
