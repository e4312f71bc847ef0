"""Split Aqua text into tokens, with INDENT and DEDENT tokens for its indented blocks.

Aqua's layout rules as Fluence's compiler applies them: `--` starts a comment to the end of
the line; blank and comment-only lines do not count for indentation; inside open `(` or `[`
a line break continues the line. Each token has its 1-based line and column. The lexer
knows nothing about statements: the parser gives tokens their meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from edge_agent.aqua.errors import AquaError, Pos, Source


class Kind(Enum):
    NAME = "name"
    NUMBER = "number"
    STRING = "string"
    OP = "symbol"
    NEWLINE = "end of line"
    INDENT = "indented block"
    DEDENT = "end of block"
    END = "end of file"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    pos: Pos

    def describe(self) -> str:
        if self.kind in (Kind.NAME, Kind.OP, Kind.NUMBER):
            return f"'{self.text}'"
        if self.kind is Kind.STRING:
            return f'string "{self.text}"'
        return f"the {self.kind.value}"


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t]+)
  | (?P<comment>--[^\n]*)
  | (?P<string>"[^"\n]*")
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><<-|<-|->|==|!=|<=|>=|&&|\|\||\*\*|[-+*/%()\[\]{},:.=!?<>⊤⊥])
    """,
    re.VERBOSE,
)
_OPEN = "(["
_CLOSE = ")]"


class _Lexer:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.tokens: list[Token] = []
        self.indents = [0]
        self.depth = 0

    def error(self, line: int, col: int, message: str) -> AquaError:
        return AquaError(self.source, Pos(line, col), message)

    def run(self) -> list[Token]:
        lines = self.source.text.split("\n")
        for number, raw in enumerate(lines, start=1):
            self.line(number, raw.rstrip("\r"))
        last = Pos(len(lines), len(lines[-1]) + 1)
        if self.depth:
            raise self.error(last.line, last.col, "the file ends inside '(' or '[': close it")
        if self.tokens and self.tokens[-1].kind is not Kind.NEWLINE:
            self.tokens.append(Token(Kind.NEWLINE, "", last))
        while len(self.indents) > 1:
            self.indents.pop()
            self.tokens.append(Token(Kind.DEDENT, "", last))
        self.tokens.append(Token(Kind.END, "", last))
        return self.tokens

    def line(self, number: int, text: str) -> None:
        stripped = text.lstrip(" \t")
        if not stripped or stripped.startswith("--"):
            return
        if self.depth == 0:
            indent = len(text) - len(stripped)
            if "\t" in text[:indent]:
                raise self.error(number, 1, "indent with spaces, not tabs")
            self.layout(number, indent)
        self.words(number, text, len(text) - len(stripped))
        if self.depth == 0:
            self.tokens.append(Token(Kind.NEWLINE, "", Pos(number, len(text) + 1)))

    def layout(self, number: int, indent: int) -> None:
        if indent > self.indents[-1]:
            self.indents.append(indent)
            self.tokens.append(Token(Kind.INDENT, "", Pos(number, indent + 1)))
            return
        while indent < self.indents[-1]:
            self.indents.pop()
            self.tokens.append(Token(Kind.DEDENT, "", Pos(number, indent + 1)))
        if indent != self.indents[-1]:
            raise self.error(number, indent + 1, "this indentation matches no enclosing block")

    def words(self, number: int, text: str, pos: int) -> None:
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                if text[pos] == '"':
                    raise self.error(number, pos + 1, "a string is not closed: add the missing '\"'")
                raise self.error(number, pos + 1, f"unexpected character {text[pos]!r}")
            kind = m.lastgroup
            where = Pos(number, pos + 1)
            if kind == "string":
                self.tokens.append(Token(Kind.STRING, m.group()[1:-1], where))
            elif kind == "number":
                self.tokens.append(Token(Kind.NUMBER, m.group(), where))
            elif kind == "name":
                self.tokens.append(Token(Kind.NAME, m.group(), where))
            elif kind == "op":
                self.bracket(m.group(), where)
                self.tokens.append(Token(Kind.OP, m.group(), where))
            pos = m.end()

    def bracket(self, op: str, where: Pos) -> None:
        if op in _OPEN:
            self.depth += 1
        elif op in _CLOSE:
            if self.depth == 0:
                raise self.error(where.line, where.col, f"'{op}' closes nothing")
            self.depth -= 1


def tokenize(source: Source) -> list[Token]:
    """All tokens of `source`, ending with END; raises AquaError on a character Aqua lacks."""
    return _Lexer(source).run()
