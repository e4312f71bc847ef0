"""The Aqua lexer: tokens, positions, layout (INDENT/DEDENT) and its errors."""

from __future__ import annotations

import pytest

from edge_agent.aqua.errors import AquaError, Source
from edge_agent.aqua.lexer import Kind, tokenize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind.name, t.text) for t in tokenize(Source("t.aqua", text))]


def test_words_symbols_and_positions() -> None:
    tokens = tokenize(Source("t.aqua", 'x <- Srv.f("a", 12, -3.5)\n'))
    assert [(t.kind, t.text) for t in tokens] == [
        (Kind.NAME, "x"), (Kind.OP, "<-"), (Kind.NAME, "Srv"), (Kind.OP, "."), (Kind.NAME, "f"),
        (Kind.OP, "("), (Kind.STRING, "a"), (Kind.OP, ","), (Kind.NUMBER, "12"), (Kind.OP, ","),
        (Kind.OP, "-"), (Kind.NUMBER, "3.5"), (Kind.OP, ")"), (Kind.NEWLINE, ""), (Kind.END, ""),
    ]
    assert (tokens[2].pos.line, tokens[2].pos.col) == (1, 6)
    assert (tokens[6].pos.line, tokens[6].pos.col) == (1, 12)


def test_longest_symbol_wins() -> None:
    assert [t for _, t in kinds("s <<- a <= b != c == d -> e\n")][:10] == [
        "s", "<<-", "a", "<=", "b", "!=", "c", "==", "d", "->"]


def test_indent_and_dedent() -> None:
    text = "func f():\n    on p:\n        A.b()\n    A.c()\nfunc g():\n    A.d()\n"
    layout = [k for k, _ in kinds(text) if k in ("INDENT", "DEDENT", "NEWLINE")]
    assert layout == ["NEWLINE", "INDENT", "NEWLINE", "INDENT", "NEWLINE", "DEDENT", "NEWLINE", "DEDENT",
                      "NEWLINE", "INDENT", "NEWLINE", "DEDENT"]


def test_comments_and_blank_lines_do_not_count() -> None:
    text = "func f():\n\n    -- a comment\n  -- badly indented comment\n    A.b() -- trailing\n"
    assert ("NAME", "comment") not in kinds(text)
    assert [k for k, _ in kinds(text)].count("INDENT") == 1


def test_line_continues_inside_brackets() -> None:
    assert [k for k, _ in kinds("x <- f(a,\n       b)\n")].count("NEWLINE") == 1


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    ('x <- "open\n', 1, 6, "a string is not closed"),
    ("x <- a $ b\n", 1, 8, "unexpected character '$'"),
    ("func f():\n        a()\n    b()\n", 3, 5, "matches no enclosing block"),
    ("func f():\n\ta()\n", 2, 1, "indent with spaces, not tabs"),
    ("x <- f(a\n", 2, 1, "the file ends inside '(' or '['"),
    ("x <- f)\n", 1, 7, "')' closes nothing"),
])
def test_errors_say_where(text: str, line: int, col: int, message: str) -> None:
    with pytest.raises(AquaError) as info:
        tokenize(Source("t.aqua", text))
    assert (info.value.pos.line, info.value.pos.col) == (line, col)
    assert message in info.value.message
    assert str(info.value).startswith(f"t.aqua:{line}:{col}: ")
