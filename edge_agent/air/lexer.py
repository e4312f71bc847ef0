"""Split AIR text into tokens, each with its 1-based line and column.

AIR's lexical rules, as AquaVM's lexer has them: `;` starts a comment to the end of the line;
strings run from `"` to the next `"` with no escapes; a *word* is a run of name characters
that may carry a lens, whose `.[...]` index brackets belong to the word, not to the
argument list. The lexer never looks inside words: the parser reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from edge_agent.air.errors import ParseError


class Kind(Enum):
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    STRING = "string"
    WORD = "word"
    END = "end of script"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    line: int
    column: int

    def describe(self) -> str:
        if self.kind is Kind.STRING:
            return f'string "{self.text}"'
        if self.kind is Kind.WORD:
            return f"'{self.text}'"
        if self.kind is Kind.END:
            return "the end of the script"
        return f"'{self.text}'"


# A word: name characters, with lens index brackets `.[ ... ]` kept inside the word. An
# index holds no `[` (it is a number or a name): with `[` allowed, each `.[` of an unclosed
# `.[.[.[...` scanned to the end of the text before giving up, quadratic time for a stranger's
# script (32 KB took 1.9 s).
_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>;[^\n]*)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<lbracket>\[)
  | (?P<rbracket>\])
  | (?P<string>"[^"]*")
  | (?P<word>(?:[^\s()\[\]";.]|\.\[[^\[\]\s()"]*\]|\.)+)
    """,
    re.VERBOSE,
)

_SIMPLE = {
    "lparen": Kind.LPAREN,
    "rparen": Kind.RPAREN,
    "lbracket": Kind.LBRACKET,
    "rbracket": Kind.RBRACKET,
}


def tokenize(text: str, max_tokens: int | None = None) -> list[Token]:
    """All tokens of `text`, ending with an END token. Raises ParseError on a stray character,
    and on more than `max_tokens` tokens (as soon as they are read: a parse costs ~3 us a
    token, whatever the bytes)."""
    tokens: list[Token] = []
    pos = 0
    line = 1
    line_start = 0
    n = len(text)
    match = _TOKEN.match
    limit = n if max_tokens is None else max_tokens  # never more tokens than characters
    while pos < n:
        m = match(text, pos)
        if m is None:
            column = pos - line_start + 1
            if text[pos] == '"':
                raise ParseError("a string is not closed: add the missing '\"'", line, column)
            raise ParseError(f"unexpected character {text[pos]!r}", line, column)
        kind_name = m.lastgroup
        column = pos - line_start + 1
        end = m.end()
        if kind_name == "ws" or kind_name == "comment":
            pass
        elif kind_name == "string":
            tokens.append(Token(Kind.STRING, text[pos + 1 : end - 1], line, column))
        elif kind_name == "word":
            tokens.append(Token(Kind.WORD, text[pos:end], line, column))
        else:
            tokens.append(Token(_SIMPLE[kind_name], text[pos:end], line, column))  # type: ignore[index]
        if len(tokens) > limit:
            raise ParseError(f"the script has more than {limit} tokens", line, column)
        newlines = text.count("\n", pos, end)
        if newlines:
            line += newlines
            line_start = text.rindex("\n", pos, end) + 1
        pos = end
    tokens.append(Token(Kind.END, "", line, pos - line_start + 1))
    return tokens
